using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Notifications;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Notifications;

/// <summary>
/// The notification endpoint routes as an attacker tries them: a Viewer, another tenant, bad input. Every refusal is a
/// ProblemDetails; the secret appears in the response that minted it and nowhere else.
/// </summary>
public sealed class NotificationEndpointApiTests(NotificationPortal fixture) : IClassFixture<NotificationPortal>
{
    [Fact]
    public async Task The_secret_is_in_the_create_and_rotate_answers_only_never_in_a_list_or_a_read()
    {
        var (admin, t) = await fixture.TenantAsync();
        var created = await admin.NewEndpointAsync(t, "https://ops.example.com/portal-events", "key.leaked", "key.rotated");
        var first = created["secret"]!.GetValue<string>();
        Assert.Equal(first[..14], created["secretPrefix"]!.GetValue<string>());
        Assert.Equal(["key.leaked", "key.rotated"], created["eventTypes"]!.AsArray().Select(e => e!.GetValue<string>()));
        var rotated = await (await admin.PostAsync($"{t}/notification-endpoints/{created.Id()}:rotateSecret", null)).ExpectAsync(HttpStatusCode.OK);
        var second = rotated["secret"]!.GetValue<string>();
        Assert.NotEqual(first, second);

        foreach (var url in new[] { $"{t}/notification-endpoints", $"{t}/notification-endpoints/{created.Id()}", $"{t}/keys?take=500", $"{t}/audit" })
        {
            var text = await (await admin.GetAsync(url)).Content.ReadAsStringAsync();
            Assert.DoesNotContain(first[6..], text, StringComparison.Ordinal);
            Assert.DoesNotContain(second[6..], text, StringComparison.Ordinal);
            Assert.DoesNotContain("\"secret\"", text, StringComparison.Ordinal);
        }

        // The endpoint's secret is a key like any other: in the inventory, by prefix, owned by the endpoint.
        var keys = await (await admin.GetAsync($"{t}/keys?kind=signing_secret")).ExpectAsync(HttpStatusCode.OK);
        var key = Assert.Single(keys["items"]!.AsArray(), k => k!["keyPrefix"]!.GetValue<string>() == second[..14])!;
        Assert.Equal("notificationEndpoint", key["owner"]!["type"]!.GetValue<string>());
        Assert.Equal(created.Id(), key["owner"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_viewer_reads_the_endpoints_and_attempts_but_every_change_is_a_403_problem()
    {
        var (admin, t) = await fixture.TenantAsync();
        var endpoint = await admin.NewEndpointAsync(t, "https://ops.example.com/viewer-events");
        var viewerClient = await (await admin.PostAsJsonAsync($"{t}/api-clients", new { displayName = "viewer", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        using var viewer = await fixture.Portal.AdminAsync(viewerClient["clientId"]!.GetValue<string>(), viewerClient["clientSecret"]!.GetValue<string>());
        var id = endpoint.Id();

        await (await viewer.GetAsync($"{t}/notification-endpoints")).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync($"{t}/notification-endpoints/{id}/attempts")).ExpectAsync(HttpStatusCode.OK);
        var refused = new[]
        {
            await viewer.PostAsJsonAsync($"{t}/notification-endpoints", new { url = "https://ops.example.com/x" }),
            await viewer.PatchAsJsonAsync($"{t}/notification-endpoints/{id}", new { enabled = false }),
            await viewer.PostAsync($"{t}/notification-endpoints/{id}:rotateSecret", null),
            await viewer.PostAsync($"{t}/notification-endpoints/{id}:test", null),
            await viewer.DeleteAsync($"{t}/notification-endpoints/{id}"),
        };
        foreach (var response in refused)
        {
            await response.ExpectProblemAsync(HttpStatusCode.Forbidden);
        }

        var still = await (await admin.GetAsync($"{t}/notification-endpoints/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(still["enabled"]!.GetValue<bool>());
        Assert.Equal(endpoint["secretPrefix"]!.GetValue<string>(), still["secretPrefix"]!.GetValue<string>());
        var audit = await (await admin.GetAsync($"{t}/audit?action=notificationEndpoint.delete")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "notificationEndpoint.delete" && e["outcome"]!.GetValue<string>() == "denied");
    }

    [Fact]
    public async Task Another_tenants_endpoint_and_attempt_are_404_problems_on_every_route()
    {
        var (admin, t) = await fixture.TenantAsync();
        await using var receiver = await LoopbackReceiver.StartAsync();
        var endpoint = await admin.NewEndpointAsync(t, receiver.Url);
        await (await admin.PostAsync($"{t}/notification-endpoints/{endpoint.Id()}:test", null)).ExpectAsync(HttpStatusCode.Accepted);
        await fixture.SendDueAsync();
        var attempt = Assert.Single(await admin.AttemptsAsync(t, endpoint.Id()))!["id"]!.ToString();

        var (intruder, other) = await fixture.TenantAsync();
        var id = endpoint.Id();
        var responses = new[]
        {
            await intruder.GetAsync($"{other}/notification-endpoints/{id}"),
            await intruder.PatchAsJsonAsync($"{other}/notification-endpoints/{id}", new { enabled = false }),
            await intruder.PostAsync($"{other}/notification-endpoints/{id}:rotateSecret", null),
            await intruder.PostAsync($"{other}/notification-endpoints/{id}:test", null),
            await intruder.GetAsync($"{other}/notification-endpoints/{id}/attempts"),
            await intruder.PostAsync($"{other}/notification-endpoints/attempts/{attempt}:resend", null),
            await intruder.DeleteAsync($"{other}/notification-endpoints/{id}"),
            await intruder.GetAsync($"{other}/notification-endpoints/not-a-guid"),
            await intruder.PostAsync($"{other}/notification-endpoints/attempts/9999999999999999999999:resend", null),
        };
        foreach (var response in responses)
        {
            await response.ExpectProblemAsync(HttpStatusCode.NotFound);
        }

        Assert.Empty((await (await intruder.GetAsync($"{other}/notification-endpoints")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray());
        await (await intruder.GetAsync($"{t}/notification-endpoints")).ExpectProblemAsync(HttpStatusCode.NotFound); // not a member of the first tenant
        Assert.Single(receiver.Received); // nothing more was sent
        Assert.True((await (await admin.GetAsync($"{t}/notification-endpoints/{id}")).ExpectAsync(HttpStatusCode.OK))["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Bad_input_is_a_400_that_names_the_field_and_nothing_is_created()
    {
        var (admin, t) = await fixture.TenantAsync();
        var cases = new (object Body, string Field)[]
        {
            (new { }, "url"),
            (new { url = (string?)null }, "url"),
            (new { url = "ftp://ops.example.com/x" }, "url"),
            (new { url = "not a url" }, "url"),
            (new { url = "https://user:password@ops.example.com/x" }, "url"),
            (new { url = "https://ops.example.com/" + new string('a', 3000) }, "url"),
            (new { url = "https://ops.example.com/x", eventTypes = new[] { "key.rotated", "key.stolen" } }, "eventTypes"),
            (new { url = "https://ops.example.com/x", eventTypes = new string?[] { null } }, "eventTypes"),
        };
        foreach (var (body, field) in cases)
        {
            var problem = await (await admin.PostAsJsonAsync($"{t}/notification-endpoints", body)).ExpectProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem["errors"]?[field] is not null, $"{System.Text.Json.JsonSerializer.Serialize(body)}: no error for {field} in {problem.ToJsonString()}");
        }

        using var malformed = new StringContent("{\"url\": ", Encoding.UTF8, "application/json");
        await (await admin.PostAsync($"{t}/notification-endpoints", malformed)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        using var deep = new StringContent(new string('[', 5000) + new string(']', 5000), Encoding.UTF8, "application/json");
        var deepAnswer = await admin.PostAsync($"{t}/notification-endpoints", deep);
        Assert.True((int)deepAnswer.StatusCode is >= 400 and < 500, $"deep nesting: {(int)deepAnswer.StatusCode}");

        var endpoint = await admin.NewEndpointAsync(t, "https://ops.example.com/valid");
        await (await admin.PatchAsJsonAsync($"{t}/notification-endpoints/{endpoint.Id()}", new { eventTypes = new[] { "nope" } })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.PostAsync($"{t}/notification-endpoints/{endpoint.Id()}:rotateSecret?gracePeriodSeconds=999999999", null)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.GetAsync($"{t}/notification-endpoints/{endpoint.Id()}/attempts?outcome=maybe")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Single((await (await admin.GetAsync($"{t}/notification-endpoints")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray());
    }

    [Fact]
    public async Task The_endpoints_list_is_paged_with_skip_and_take_oldest_first_and_says_the_total()
    {
        var (admin, t) = await fixture.TenantAsync();
        foreach (var name in new[] { "first", "second", "third" })
        {
            await admin.NewEndpointAsync(t, $"https://ops.example.com/{name}");
        }

        // A page in words: the endpoints' last path segments, then the total.
        async Task<string> PageAsync(string query)
        {
            var page = await (await admin.GetAsync($"{t}/notification-endpoints?{query}")).ExpectAsync(HttpStatusCode.OK);
            var names = page["items"]!.AsArray().Select(e => new Uri(e!["url"]!.GetValue<string>()).Segments[^1]);
            return $"[{string.Join(' ', names)}] of {page["total"]!.GetValue<int>()}";
        }

        Assert.Equal("[first second] of 3", await PageAsync("take=2"));
        Assert.Equal("[third] of 3", await PageAsync("skip=2&take=2"));
        Assert.Equal("[] of 3", await PageAsync("skip=3"));
        Assert.Equal("[first second third] of 3", await PageAsync(""));
    }

    [Fact]
    public async Task A_tenant_may_have_at_most_twenty_endpoints()
    {
        var (admin, t) = await fixture.TenantAsync();
        for (var i = 0; i < NotificationEndpointService.MaxEndpoints; i++)
        {
            await admin.NewEndpointAsync(t, $"https://ops.example.com/{i}");
        }

        var problem = await (await admin.PostAsJsonAsync($"{t}/notification-endpoints", new { url = "https://ops.example.com/one-more" })).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("at most 20", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

/// <summary>With private networks not allowed (the production default), an address the portal must not call is refused when the endpoint is created.</summary>
public sealed class NotificationEndpointPrivateAddressTests : IDisposable
{
    private readonly PortalApplication _app = new() { AllowPrivateNetworks = false, Settings = { ["Portal:Notifications:Dispatch"] = "false" } };

    [Theory]
    [InlineData("http://127.0.0.1:8080/events")]
    [InlineData("http://localhost/events")]
    [InlineData("http://10.1.2.3/events")]
    [InlineData("http://192.168.0.10/events")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]/events")]
    [InlineData("http://[fd00::1]/events")]
    public async Task A_loopback_private_or_link_local_address_is_refused_with_a_field_error(string url)
    {
        using var admin = await _app.ClientAsync();
        var problem = await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/notification-endpoints", new { url })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("AllowPrivateNetworks", problem["errors"]!["url"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_name_that_resolves_to_a_private_address_is_refused_when_it_is_called_and_the_attempt_says_so()
    {
        // The machine's own name resolves locally to a loopback or private address (in /etc/hosts): a name passes the
        // check at creation (it is resolved only when called), and the call is refused at connect time.
        var host = System.Net.Dns.GetHostName();
        var addresses = await System.Net.Dns.GetHostAddressesAsync(host);
        Assert.All(addresses, a => Assert.True(Portal.Core.Outbound.OutboundHttp.IsPrivate(a), $"{host} resolves to {a}, a public address: this test needs a private one"));

        using var admin = await _app.ClientAsync();
        var endpoint = await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/notification-endpoints", new { url = $"http://{host}/events" })).ExpectAsync(HttpStatusCode.Created);
        await (await admin.PostAsync($"{ApiTestData.Base}/notification-endpoints/{endpoint["id"]}:test", null)).ExpectAsync(HttpStatusCode.Accepted);
        await _app.Services.GetRequiredService<NotificationDispatcher>().RunOnceAsync();
        var attempt = Assert.Single((await (await admin.GetAsync($"{ApiTestData.Base}/notification-endpoints/{endpoint["id"]}/attempts")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray())!;
        Assert.Null(attempt["status"]);
        Assert.Contains("loopback, private or link-local", attempt["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    public void Dispose() => _app.Dispose();
}
