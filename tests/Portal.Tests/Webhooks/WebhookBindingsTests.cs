using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Webhooks;

/// <summary>Per-binding webhook URLs for integrations that declare <c>webhookOwnership: PER_BINDING</c>.</summary>
public sealed class WebhookBindingsTests(WebhookPortal portal) : IClassFixture<WebhookPortal>
{
    private static async Task<JsonObject> CreateBindingAsync(HttpClient admin, string integration, string config, string name) =>
        await (await admin.PostAsJsonAsync($"{ConfigPath(integration, config)}/bindings", new { name })).ExpectAsync(HttpStatusCode.Created);

    private static string BindingPath(string integration, string config, JsonObject binding) =>
        $"{ConfigPath(integration, config)}/bindings/{binding["id"]!.GetValue<string>()}";

    [Fact]
    public async Task Each_binding_gets_its_own_url_and_rotating_one_leaves_the_other_working()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync("PER_BINDING");
        var eu = await CreateBindingAsync(admin, integration, config, "eu");
        var us = await CreateBindingAsync(admin, integration, config, "us");
        var euUrl = (await (await admin.PostAsync($"{BindingPath(integration, config, eu)}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        var usUrl = (await (await admin.PostAsync($"{BindingPath(integration, config, us)}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();

        var rotated = await (await admin.PostAsync($"{BindingPath(integration, config, eu)}/webhook:rotate", null)).ExpectAsync(HttpStatusCode.OK);

        await (await portal.DeliverAsync(euUrl)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await portal.DeliverAsync(rotated["webhookUrl"]!.GetValue<string>(), """{"from":"eu"}""")).ExpectAsync(HttpStatusCode.Accepted);
        await (await portal.DeliverAsync(usUrl, """{"from":"us"}""")).ExpectAsync(HttpStatusCode.Accepted);
        var list = await (await admin.GetAsync($"{ConfigPath(integration, config)}/bindings")).ExpectAsync(HttpStatusCode.OK);
        var listedEu = list["items"]!.AsArray().Single(b => b!["name"]!.GetValue<string>() == "eu")!;
        Assert.Equal(rotated["webhookKeyPrefix"]!.GetValue<string>(), listedEu["webhookKeyPrefix"]!.GetValue<string>());
        Assert.DoesNotContain(KeyOf(rotated["webhookUrl"]!.GetValue<string>()), list.ToJsonString(), StringComparison.Ordinal);
        var events = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/events")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(eu["id"]!.GetValue<string>(), events["items"]!.AsArray().Single(e => e!["body"]!.GetValue<string>().Contains("eu", StringComparison.Ordinal))!["bindingId"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_bindings_list_is_paged_oldest_first_with_the_total()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync("PER_BINDING");
        foreach (var name in new[] { "one", "two", "three" })
        {
            await CreateBindingAsync(admin, integration, config, name);
        }

        var first = await (await admin.GetAsync($"{ConfigPath(integration, config)}/bindings?take=2")).ExpectAsync(HttpStatusCode.OK);
        var second = await (await admin.GetAsync($"{ConfigPath(integration, config)}/bindings?skip=2&take=2")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(3, first["total"]!.GetValue<int>());
        Assert.Equal(["one", "two"], first["items"]!.AsArray().Select(b => b!["name"]!.GetValue<string>()));
        Assert.Equal(["three"], second["items"]!.AsArray().Select(b => b!["name"]!.GetValue<string>()));
        Assert.Equal(3, second["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_binding_rotate_before_generate_is_a_400_and_generate_twice_is_a_409()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync("PER_BINDING");
        var binding = await CreateBindingAsync(admin, integration, config, "main");

        var problem = await (await admin.PostAsync($"{BindingPath(integration, config, binding)}/webhook:rotate", null)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("generate the webhook URL first", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await admin.PostAsync($"{BindingPath(integration, config, binding)}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK);
        await (await admin.PostAsync($"{BindingPath(integration, config, binding)}:generateWebhookUrl", null)).ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Deleting_a_binding_revokes_its_url_at_once()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync("PER_BINDING");
        var binding = await CreateBindingAsync(admin, integration, config, "temp");
        var url = (await (await admin.PostAsync($"{BindingPath(integration, config, binding)}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        await (await portal.DeliverAsync(url)).ExpectAsync(HttpStatusCode.Accepted);

        await (await admin.DeleteAsync(BindingPath(integration, config, binding))).ExpectAsync(HttpStatusCode.NoContent);

        await (await portal.DeliverAsync(url)).ExpectProblemAsync(HttpStatusCode.NotFound);
        var list = await (await admin.GetAsync($"{ConfigPath(integration, config)}/bindings")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, list["total"]!.GetValue<int>());
        await (await admin.DeleteAsync(BindingPath(integration, config, binding))).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_per_binding_config_has_no_config_level_url_and_a_config_owned_one_has_no_bindings()
    {
        using var admin = await portal.AdminAsync();
        var (perBinding, perBindingConfig) = await admin.NewConfigAsync("PER_BINDING");
        var (owned, ownedConfig) = await admin.NewConfigAsync();

        var generate = await (await admin.GenerateAsync(perBinding, perBindingConfig)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("binding", generate["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var create = await (await admin.PostAsJsonAsync($"{ConfigPath(owned, ownedConfig)}/bindings", new { name = "x" })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("generate the config's own webhook URL", create["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_binding_needs_a_unique_name_and_a_viewer_may_not_create_one()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync("PER_BINDING");
        await CreateBindingAsync(admin, integration, config, "one");
        using var viewer = await portal.ClientWithRoleAsync("Viewer");

        await (await admin.PostAsJsonAsync($"{ConfigPath(integration, config)}/bindings", new { name = "" })).ExpectValidationAsync("name");
        await (await admin.PostAsJsonAsync($"{ConfigPath(integration, config)}/bindings", new { name = "one" })).ExpectProblemAsync(HttpStatusCode.Conflict);
        await (await viewer.PostAsJsonAsync($"{ConfigPath(integration, config)}/bindings", new { name = "two" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        var list = await (await viewer.GetAsync($"{ConfigPath(integration, config)}/bindings")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, list["total"]!.GetValue<int>());
    }
}
