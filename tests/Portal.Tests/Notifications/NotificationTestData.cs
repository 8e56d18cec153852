using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Notifications;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Notifications;

/// <summary>
/// The app with its background dispatcher off (<c>Portal:Notifications:Dispatch=false</c>) and a fake clock: each test
/// sends what is due itself (<see cref="SendDueAsync"/>), so every attempt happens when the test says and is seen at once.
/// </summary>
public sealed class NotificationPortal : IDisposable
{
    public WebhookPortal Portal { get; } = new(new Dictionary<string, string>
    {
        ["Portal:Notifications:Dispatch"] = "false",
        ["Portal:Outbound:Timeout"] = "00:00:01", // a receiver that takes longer is a timeout, quickly
    });

    public Task<int> SendDueAsync() => Portal.Services.GetRequiredService<NotificationDispatcher>().RunOnceAsync();

    /// <summary>An Admin client of a tenant of its own (so no other test's endpoints hear its events), and the tenant's API base.</summary>
    public async Task<(HttpClient Admin, string Base)> TenantAsync()
    {
        var tenant = ApiTestData.NewId("ntf");
        return (await Portal.OtherTenantAsync(tenant), $"/v1/tenants/{tenant}");
    }

    /// <summary>A fresh Admin token of the tenant of <paramref name="tenantBase"/> (tokens live an hour, and the tests move the clock by days).</summary>
    public Task<HttpClient> AdminOfAsync(string tenantBase) => Portal.OtherTenantAsync(tenantBase.Split('/')[^1]);

    public void Dispose() => Portal.Dispose();
}

internal static class NotificationApi
{
    public static async Task<JsonObject> NewEndpointAsync(this HttpClient admin, string tenantBase, string url, params string[] eventTypes) =>
        await (await admin.PostAsJsonAsync($"{tenantBase}/notification-endpoints", new { url, eventTypes })).ExpectAsync(HttpStatusCode.Created);

    /// <summary>A new signing secret, rotated once: one <c>key.rotated</c> event. Returns the rotated token (the secret that must never be announced).</summary>
    public static async Task<(string Name, string First, string Rotated)> RotatedSigningSecretAsync(this HttpClient admin, string tenantBase)
    {
        var name = ApiTestData.NewId("ntf-secret");
        var created = await (await admin.PostAsJsonAsync($"{tenantBase}/signing-secrets", new { name })).ExpectAsync(HttpStatusCode.Created);
        var rotated = await (await admin.PostAsync($"{tenantBase}/signing-secrets/{name}:rotate", null)).ExpectAsync(HttpStatusCode.OK);
        return (name, created["token"]!.GetValue<string>(), rotated["token"]!.GetValue<string>());
    }

    public static async Task<JsonArray> AttemptsAsync(this HttpClient admin, string tenantBase, string endpointId, string query = "")
    {
        var page = await (await admin.GetAsync($"{tenantBase}/notification-endpoints/{endpointId}/attempts{query}")).ExpectAsync(HttpStatusCode.OK);
        return page["items"]!.AsArray();
    }

    public static string Id(this JsonObject endpoint) => endpoint["id"]!.GetValue<string>();
}
