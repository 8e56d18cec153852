using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Webhooks;

/// <summary>
/// The real app with every log line captured down to Trace (so a key in a request log would be seen) and a
/// controllable clock (grace periods, signature windows). One per test class.
/// </summary>
public sealed class WebhookPortal : IDisposable
{
    private readonly PortalApplication _app;

    public WebhookPortal()
        : this([])
    {
    }

    /// <summary>With app settings (e.g. <c>Portal:Notifications:Dispatch=false</c> for a test that sends notifications itself).</summary>
    internal WebhookPortal(Dictionary<string, string> settings)
    {
        _app = new() { Settings = settings };
        Factory = _app.WithWebHostBuilder(builder =>
        {
            builder.ConfigureLogging(logging => logging.AddFilter<CapturedLogs>(null, LogLevel.Trace));
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(Time);
                services.ConfigureDbContext<PortalDbContext>(o => o.AddInterceptors(Faults));
            });
        });
    }

    /// <summary>Store faults a test can inject (disarmed: no effect).</summary>
    public WriteFaults Faults { get; } = new();

    /// <summary>Starts at the real time and moves only when told (plus a millisecond per reading, so events keep their order).</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow) { AutoAdvanceAmount = TimeSpan.FromMilliseconds(1) };

    public WebApplicationFactory<Program> Factory { get; }

    public CapturedLogs Logs => _app.Logs;

    public IServiceProvider Services => Factory.Services;

    public async Task<HttpClient> AdminAsync(string clientId = PortalApplication.AdminClientId, string secret = PortalApplication.AdminClientSecret)
    {
        var http = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }));
        var token = await response.ExpectAsync(HttpStatusCode.OK);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token["access_token"]!.GetValue<string>());
        return http;
    }

    public async Task<HttpClient> ClientWithRoleAsync(string role)
    {
        using var admin = await AdminAsync();
        var created = await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/api-clients", new { displayName = $"{role} client", role })).ExpectAsync(HttpStatusCode.Created);
        return await AdminAsync(created["clientId"]!.GetValue<string>(), created["clientSecret"]!.GetValue<string>());
    }

    /// <summary>An Admin client of another tenant.</summary>
    public async Task<HttpClient> OtherTenantAsync(string tenant)
    {
        var (clientId, secret) = await OtherTenants.EnsureAsync(Services, tenant, Time.GetUtcNow());
        return await AdminAsync(clientId, secret);
    }

    /// <summary>
    /// A named signing secret with a known token, stored the way the key engine keeps signing secrets
    /// (encrypted, owner <c>signing:{name}</c>), so a test can sign like the provider would.
    /// </summary>
    public async Task SeedSigningSecretAsync(string name, string token, string tenant = PortalApplication.Tenant)
    {
        var protector = Services.GetRequiredService<CredentialProtector>();
        await using var db = await Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var key = new IssuedKey
        {
            Id = Guid.CreateVersion7(),
            TenantId = tenant,
            Kind = KeyKind.SigningSecret,
            OwnerId = KeyOwner.ForSigningSecret(name).Stored,
            ProtectedValue = protector.Protect(token),
            KeyPrefix = token[..14],
            CreatedAt = Time.GetUtcNow().ToUnixTimeMilliseconds(),
            CreatedBy = "test",
        };
        db.IssuedKeys.Add(key);
        db.KeyBindings.Add(new KeyBinding { TenantId = tenant, OwnerId = key.OwnerId, ActiveKeyId = key.Id, Version = Guid.NewGuid() });
        db.SigningSecrets.Add(new Portal.Core.SigningSecrets.SigningSecret { TenantId = tenant, Name = name, CreatedAt = key.CreatedAt });
        await db.SaveChangesAsync();
    }

    /// <summary>POSTs a delivery to a webhook URL as a provider would (anonymous).</summary>
    public async Task<HttpResponseMessage> DeliverAsync(string webhookUrl, string body = """{"event":"ping"}""", Action<HttpRequestMessage>? sign = null)
    {
        using var http = Factory.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(webhookUrl).PathAndQuery) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        sign?.Invoke(request);
        return await http.SendAsync(request);
    }

    /// <summary>POSTs a delivery with exactly the given content (any type, or none), as a provider would (anonymous).</summary>
    public async Task<HttpResponseMessage> DeliverAsync(string webhookUrl, HttpContent content, Action<HttpRequestMessage>? sign = null)
    {
        using var http = Factory.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(webhookUrl).PathAndQuery) { Content = content };
        sign?.Invoke(request);
        return await http.SendAsync(request);
    }

    public void Dispose() => _app.Dispose();
}

/// <summary>Integrations, configs and webhook calls the webhook tests share.</summary>
internal static class WebhookApi
{
    public static string ConfigPath(string integration, string config) => $"{ApiTestData.Base}/integrations/{integration}/configs/{config}";

    /// <summary>A new integration with the given webhook ownership and one config; returns their ids.</summary>
    public static async Task<(string Integration, string Config)> NewConfigAsync(this HttpClient admin, string ownership = "CONFIG", string? signingSecretName = null, string tenant = PortalApplication.Tenant)
    {
        var integration = ApiTestData.SmallIntegration(ApiTestData.NewId("wh"));
        integration["webhookOwnership"] = ownership;
        var id = integration["id"]!.GetValue<string>();
        await admin.CreateIntegrationAsync(integration, tenant);
        var body = new JsonObject { ["displayName"] = "Prod" };
        if (signingSecretName is not null)
        {
            body["signingSecretName"] = signingSecretName;
        }

        var config = await (await admin.PostAsJsonAsync($"/v1/tenants/{tenant}/integrations/{id}/configs", body)).ExpectAsync(HttpStatusCode.Created);
        return (id, config["id"]!.GetValue<string>());
    }

    public static Task<HttpResponseMessage> GenerateAsync(this HttpClient admin, string integration, string config) =>
        admin.PostAsync($"{ConfigPath(integration, config)}:generateWebhookUrl", null);

    public static Task<HttpResponseMessage> RotateAsync(this HttpClient admin, string integration, string config, object? body = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"{ConfigPath(integration, config)}/webhook:rotate") { Content = body is null ? null : JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return admin.SendAsync(request);
    }

    /// <summary>The webhook URL a generate returned.</summary>
    public static async Task<string> GeneratedUrlAsync(this HttpClient admin, string integration, string config) =>
        (await (await admin.GenerateAsync(integration, config)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();

    public static string KeyOf(string webhookUrl) => webhookUrl[(webhookUrl.LastIndexOf('/') + 1)..];

    /// <summary>The <c>webhook-id</c> of every event in the config's inbox, read page by page through the API (repeats kept, to be counted).</summary>
    public static async Task<List<string>> StoredWebhookIdsAsync(this HttpClient admin, string integration, string config, string tenant = PortalApplication.Tenant)
    {
        var ids = new List<string>();
        while (true)
        {
            var page = await (await admin.GetAsync($"/v1/tenants/{tenant}/integrations/{integration}/configs/{config}/webhook/events?skip={ids.Count}&take=500")).ExpectAsync(HttpStatusCode.OK);
            var items = page["items"]!.AsArray();
            if (items.Count == 0)
            {
                return ids;
            }

            ids.AddRange(items.Select(e => e!["webhookId"]!.GetValue<string>()));
        }
    }
}
