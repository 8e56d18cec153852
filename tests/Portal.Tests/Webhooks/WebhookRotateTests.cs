using System.Net;
using System.Net.Http.Json;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Webhooks;

/// <summary>Seed 000, "Rotates the inbound webhook key for this configuration": one test per sentence.</summary>
public sealed class WebhookRotateTests(WebhookPortal portal) : IClassFixture<WebhookPortal>
{
    [Fact]
    public async Task Rotate_mints_a_fresh_key_and_returns_a_new_webhook_url_with_its_prefix()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var first = await (await admin.GenerateAsync(integration, config)).ExpectAsync(HttpStatusCode.OK);

        var rotated = await (await admin.RotateAsync(integration, config)).ExpectAsync(HttpStatusCode.OK);

        var url = rotated["webhookUrl"]!.GetValue<string>();
        var prefix = rotated["webhookKeyPrefix"]!.GetValue<string>();
        Assert.StartsWith($"http://localhost/webhooks/default/{integration}/whk_", url, StringComparison.Ordinal);
        Assert.NotEqual(first["webhookUrl"]!.GetValue<string>(), url);
        Assert.Equal(KeyOf(url)[..prefix.Length], prefix);
        Assert.NotEqual(first["webhookKeyPrefix"]!.GetValue<string>(), prefix);
        Assert.Equal(2, rotated.Count); // exactly {webhookUrl, webhookKeyPrefix}
    }

    [Fact]
    public async Task The_config_shows_the_prefix_of_the_new_key_after_rotate()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var before = await (await admin.GetAsync(ConfigPath(integration, config))).ExpectAsync(HttpStatusCode.OK);
        Assert.Null(before["webhookKeyPrefix"]?.GetValue<string>());
        var first = await (await admin.GenerateAsync(integration, config)).ExpectAsync(HttpStatusCode.OK);
        var generated = await (await admin.GetAsync(ConfigPath(integration, config))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(first["webhookKeyPrefix"]!.GetValue<string>(), generated["webhookKeyPrefix"]!.GetValue<string>());

        var rotated = await (await admin.RotateAsync(integration, config)).ExpectAsync(HttpStatusCode.OK);

        var after = await (await admin.GetAsync(ConfigPath(integration, config))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(rotated["webhookKeyPrefix"]!.GetValue<string>(), after["webhookKeyPrefix"]!.GetValue<string>());
        var listed = await (await admin.GetAsync($"/v1/tenants/default/integrations/{integration}/configs")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(rotated["webhookKeyPrefix"]!.GetValue<string>(), listed["items"]![0]!["webhookKeyPrefix"]!.GetValue<string>());
    }

    [Fact]
    public async Task Traffic_on_the_previous_url_stops_immediately_and_the_new_url_is_accepted()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var previous = await admin.GeneratedUrlAsync(integration, config);
        await (await portal.DeliverAsync(previous)).ExpectAsync(HttpStatusCode.Accepted);

        var rotated = await (await admin.RotateAsync(integration, config)).ExpectAsync(HttpStatusCode.OK);

        var refused = await (await portal.DeliverAsync(previous)).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(KeyOf(previous), refused.ToJsonString(), StringComparison.Ordinal);
        await (await portal.DeliverAsync(rotated["webhookUrl"]!.GetValue<string>())).ExpectAsync(HttpStatusCode.Accepted);
        var keys = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/keys")).ExpectAsync(HttpStatusCode.OK);
        var old = keys["items"]!.AsArray().Single(k => !k!["active"]!.GetValue<bool>())!;
        Assert.NotNull(old["revokedAt"]?.GetValue<long>());
    }

    [Fact]
    public async Task The_new_url_is_returned_exactly_once_and_appears_in_no_later_response_or_log_line()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var generated = await admin.GeneratedUrlAsync(integration, config);
        var rotated = (await (await admin.RotateAsync(integration, config)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        await (await portal.DeliverAsync(rotated)).ExpectAsync(HttpStatusCode.Accepted);
        await (await portal.DeliverAsync(generated)).ExpectProblemAsync(HttpStatusCode.NotFound);

        var later = new List<string>();
        foreach (var path in new[]
        {
            ConfigPath(integration, config), $"/v1/tenants/default/integrations/{integration}/configs", $"{ConfigPath(integration, config)}/webhook/keys",
            $"{ConfigPath(integration, config)}/webhook/events", "/v1/tenants/default/audit?take=500", $"/v1/tenants/default/integrations/{integration}",
        })
        {
            later.Add(await (await admin.GetAsync(path)).Content.ReadAsStringAsync());
        }

        Assert.Contains(later, body => body.Contains("whk_", StringComparison.Ordinal)); // prefixes are there: the check looks at real bodies
        foreach (var key in new[] { KeyOf(generated), KeyOf(rotated) })
        {
            Assert.DoesNotContain(later, body => body.Contains(key, StringComparison.Ordinal));
            Assert.DoesNotContain(key, portal.Logs.All, StringComparison.Ordinal);
        }

        // The request logs were captured (down to Trace), with the key replaced.
        Assert.Contains(portal.Logs.Lines, l => l.Contains($"/webhooks/default/{integration}/{{key}}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rotate_is_a_400_saying_to_rotate_per_binding_when_the_integration_declares_per_binding_ownership()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync("PER_BINDING");

        var problem = await (await admin.RotateAsync(integration, config)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("rotate per binding", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("PER_BINDING", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_is_a_400_saying_to_generate_the_url_first_when_no_key_is_bound()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();

        var problem = await (await admin.RotateAsync(integration, config)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("generate the webhook URL first", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var keys = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/keys")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, keys["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Generate_is_a_409_when_a_key_is_bound_already_and_the_bound_key_keeps_working()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var url = await admin.GeneratedUrlAsync(integration, config);

        var problem = await (await admin.GenerateAsync(integration, config)).ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("rotate the webhook key", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await portal.DeliverAsync(url)).ExpectAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_retried_rotate_with_the_same_Idempotency_Key_returns_the_same_url_and_does_not_rotate_again()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        await admin.GeneratedUrlAsync(integration, config);

        var first = await (await admin.RotateAsync(integration, config, idempotencyKey: "rotate-once")).ExpectAsync(HttpStatusCode.OK);
        var replay = await admin.RotateAsync(integration, config, idempotencyKey: "rotate-once");
        var again = await replay.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first["webhookUrl"]!.GetValue<string>(), again["webhookUrl"]!.GetValue<string>());
        await (await portal.DeliverAsync(first["webhookUrl"]!.GetValue<string>())).ExpectAsync(HttpStatusCode.Accepted);
        var keys = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/keys")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, keys["total"]!.GetValue<int>()); // generate + one rotation
        await (await admin.RotateAsync(integration, config, new { gracePeriodSeconds = 5 }, "rotate-once")).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Ten_parallel_rotations_leave_exactly_one_usable_key()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var generated = await admin.GeneratedUrlAsync(integration, config);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => admin.RotateAsync(integration, config)));

        var urls = new List<string> { generated };
        foreach (var response in responses)
        {
            urls.Add((await response.ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>());
        }

        Assert.Equal(11, urls.Distinct().Count());
        var statuses = new List<HttpStatusCode>();
        foreach (var url in urls)
        {
            statuses.Add((await portal.DeliverAsync(url)).StatusCode);
        }

        Assert.Single(statuses, s => s == HttpStatusCode.Accepted);
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.NotFound));
        var keys = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/keys")).ExpectAsync(HttpStatusCode.OK);
        var items = keys["items"]!.AsArray();
        Assert.Equal(11, items.Count);
        var active = Assert.Single(items, k => k!["revokedAt"] is null);
        Assert.True(active!["active"]!.GetValue<bool>());
        var config1 = await (await admin.GetAsync(ConfigPath(integration, config))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(active["keyPrefix"]!.GetValue<string>(), config1["webhookKeyPrefix"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_viewer_may_not_generate_or_rotate_and_gets_a_403_problem()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        using var viewer = await portal.ClientWithRoleAsync("Viewer");

        await (await viewer.GenerateAsync(integration, config)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        var url = await admin.GeneratedUrlAsync(integration, config);
        await (await viewer.RotateAsync(integration, config)).ExpectProblemAsync(HttpStatusCode.Forbidden);

        await (await portal.DeliverAsync(url)).ExpectAsync(HttpStatusCode.Accepted);
        await (await viewer.GetAsync($"{ConfigPath(integration, config)}/webhook/keys")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Another_tenants_config_is_a_404_problem_for_every_webhook_route()
    {
        using var other = await portal.OtherTenantAsync("tenant-wh");
        var (integration, config) = await other.NewConfigAsync(tenant: "tenant-wh");
        using var admin = await portal.AdminAsync();

        var theirs = $"/v1/tenants/tenant-wh/integrations/{integration}/configs/{config}";
        await (await admin.PostAsync($"{theirs}:generateWebhookUrl", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        var mine = ConfigPath(integration, config);
        await (await admin.PostAsync($"{mine}:generateWebhookUrl", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsync($"{mine}/webhook:rotate", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.GetAsync($"{mine}/webhook/events")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.GetAsync($"{mine}/webhook/keys")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.GetAsync($"{mine}/bindings")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostAsync($"{theirs}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_grace_period_outside_zero_to_seven_days_is_a_400_with_a_field_error()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var url = await admin.GeneratedUrlAsync(integration, config);

        var problem = await (await admin.RotateAsync(integration, config, new { gracePeriodSeconds = 604801 })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem["errors"]!.AsObject().ContainsKey("gracePeriodSeconds"));
        await (await admin.PostAsync($"{ConfigPath(integration, config)}/webhook:rotate?gracePeriodSeconds=-1", null)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        await (await portal.DeliverAsync(url)).ExpectAsync(HttpStatusCode.Accepted); // nothing was rotated
    }
}
