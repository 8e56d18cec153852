using System.Net;
using System.Net.Http.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

public sealed class IdempotencyTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task A_retried_rotation_with_the_same_key_returns_the_same_secret_and_does_not_rotate_again()
    {
        using var admin = await app.ClientAsync();
        var created = await (await admin.PostAsJsonAsync("/v1/tenants/default/api-clients", new { displayName = "idem", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        var clientId = created["clientId"]!.GetValue<string>();

        async Task<HttpResponseMessage> Rotate(string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/tenants/default/api-clients/{clientId}:rotateSecret");
            request.Headers.Add("Idempotency-Key", key);
            return await admin.SendAsync(request);
        }

        var first = await (await Rotate("retry-1")).ExpectAsync(HttpStatusCode.OK);
        var replay = await Rotate("retry-1");
        var again = await replay.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first["clientSecret"]!.GetValue<string>(), again["clientSecret"]!.GetValue<string>());

        // The replayed secret is the one that works: the retry did not rotate a second time.
        var token = await app.TokenAsync(clientId, first["clientSecret"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(token));

        var fresh = await (await Rotate("retry-2")).ExpectAsync(HttpStatusCode.OK);
        Assert.NotEqual(first["clientSecret"]!.GetValue<string>(), fresh["clientSecret"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_a_422_problem()
    {
        using var admin = await app.ClientAsync();
        async Task<HttpResponseMessage> Create(string name)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tenants/default/api-clients") { Content = JsonContent.Create(new { displayName = name, role = "Viewer" }) };
            request.Headers.Add("Idempotency-Key", "create-once");
            return await admin.SendAsync(request);
        }

        var first = await (await Create("one")).ExpectAsync(HttpStatusCode.Created);
        var replay = await (await Create("one")).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(first["clientId"]!.GetValue<string>(), replay["clientId"]!.GetValue<string>());
        var problem = await (await Create("two")).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("different request", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var list = await (await admin.GetAsync("/v1/tenants/default/api-clients")).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(list["items"]!.AsArray(), c => c!["displayName"]!.GetValue<string>() == "one");
    }

    [Fact]
    public async Task Another_caller_reusing_an_idempotency_key_never_gets_the_stored_secret()
    {
        using var admin = await app.ClientAsync();
        using var viewer = await app.ClientWithRoleAsync("Viewer");
        var created = await (await admin.PostAsJsonAsync("/v1/tenants/default/api-clients", new { displayName = "shared-key", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        var clientId = created["clientId"]!.GetValue<string>();

        HttpRequestMessage Rotate()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/tenants/default/api-clients/{clientId}:rotateSecret");
            request.Headers.Add("Idempotency-Key", "shared");
            return request;
        }

        var first = await (await admin.SendAsync(Rotate())).ExpectAsync(HttpStatusCode.OK);
        using var stolen = await viewer.SendAsync(Rotate());
        var body = await stolen.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, stolen.StatusCode);
        Assert.DoesNotContain(first["clientSecret"]!.GetValue<string>(), body, StringComparison.Ordinal);
    }
}
