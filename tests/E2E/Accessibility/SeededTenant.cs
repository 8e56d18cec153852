using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.E2E.Infrastructure;

namespace Portal.E2E.Accessibility;

/// <summary>An integration with a parameter, a config with a webhook URL (kept for the test's own deliveries) and one delivered event, set up through the API.</summary>
public sealed record SeededTenant(string Integration, string Config, string WebhookUrl)
{
    public static async Task<SeededTenant> CreateAsync(PortalServer server)
    {
        using var api = await server.ApiAsync();
        var id = $"a11y-{Guid.NewGuid():N}"[..16];
        var tenant = $"/v1/tenants/{PortalServer.Tenant}";
        await Ok(await api.PostAsJsonAsync($"{tenant}/integrations", new JsonObject
        {
            ["id"] = id,
            ["displayName"] = "Accessible CRM",
            ["description"] = "A CRM whose pages are checked with axe.",
            ["tags"] = new JsonArray("crm"),
            ["configMetadata"] = new JsonObject
            {
                ["parametersMetadata"] = new JsonArray(new JsonObject
                {
                    ["name"] = "region", ["displayName"] = "Region", ["type"] = "STRING", ["required"] = true,
                }),
            },
        }), "create integration");
        var config = await Ok(await api.PostAsJsonAsync($"{tenant}/integrations/{id}/configs", new JsonObject
        {
            ["displayName"] = "Production",
            ["parameters"] = new JsonObject { ["region"] = "eu" },
        }), "create config");
        var configId = config["id"]!.GetValue<string>();
        var url = (await Ok(await api.PostAsync($"{tenant}/integrations/{id}/configs/{configId}:generateWebhookUrl", null), "generate URL"))["webhookUrl"]!.GetValue<string>();
        using var sender = new HttpClient();
        var delivered = await sender.PostAsync(url, JsonContent.Create(new { type = "contact.created", id = 42 }));
        if (!delivered.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The delivery answered {(int)delivered.StatusCode}.");
        }

        return new SeededTenant(id, configId, url);
    }

    /// <summary>Adds a member with the given role; returns the e-mail and the initial password.</summary>
    public static async Task<(string Email, string Password)> MemberAsync(PortalServer server, string role)
    {
        using var api = await server.ApiAsync();
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}"[..20] + "@example.com";
        var body = await Ok(await api.PostAsJsonAsync($"/v1/tenants/{PortalServer.Tenant}/members", new { email, role }), "add member");
        return (email, body["initialPassword"]!.GetValue<string>());
    }

    private static async Task<JsonObject> Ok(HttpResponseMessage response, string what)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {text}");
            }

            return JsonNode.Parse(text) as JsonObject ?? [];
        }
    }
}
