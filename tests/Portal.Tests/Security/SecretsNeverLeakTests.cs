using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Security;

/// <summary>
/// The suite-wide rule for every kind the key engine mints: a secret appears in the one response that minted it
/// and nowhere else — no later response of any read endpoint, no log line at any level, and nothing shaped like a
/// secret of any kind.
/// </summary>
public sealed partial class SecretsNeverLeakTests : IDisposable
{
    private readonly PortalApplication _app = new();
    private readonly WebApplicationFactory<Program> _factory;

    public SecretsNeverLeakTests() =>
        _factory = _app.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddFilter<CapturedLogs>(null, LogLevel.Trace)));

    [GeneratedRegex(@"(whk|mcp|integsk|pcs)_[A-Za-z0-9]{40,}|whsec_[A-Za-z0-9+/=]{40,}")]
    private static partial Regex SecretShaped();

    [Fact]
    public async Task No_minted_secret_of_any_kind_appears_in_a_log_line_or_a_later_response()
    {
        var minted = new List<string>();
        using var admin = _factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", await _app.TokenAsync(PortalApplication.AdminClientId, PortalApplication.AdminClientSecret));
        const string t = "/v1/tenants/default";

        // API client secret: create and rotate.
        var client = await (await admin.PostAsJsonAsync($"{t}/api-clients", new { displayName = "leak", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        var clientId = client["clientId"]!.GetValue<string>();
        minted.Add(client["clientSecret"]!.GetValue<string>());
        minted.Add((await (await admin.PostAsync($"{t}/api-clients/{clientId}:rotateSecret", null)).ExpectAsync(HttpStatusCode.OK))["clientSecret"]!.GetValue<string>());

        // Signing secret: create, rotate (REST and XRPC).
        minted.Add((await (await admin.PostAsJsonAsync($"{t}/signing-secrets", new { name = "leak-signing" })).ExpectAsync(HttpStatusCode.Created))["token"]!.GetValue<string>());
        minted.Add((await (await admin.PostAsync($"{t}/signing-secrets/leak-signing:rotate", null)).ExpectAsync(HttpStatusCode.OK))["token"]!.GetValue<string>());
        minted.Add((await (await admin.PostAsJsonAsync("/xrpc/place.wisp.v2.secret.rotate", new { name = "leak-signing" })).ExpectAsync(HttpStatusCode.OK))["token"]!.GetValue<string>());

        // Webhook URL: generate, rotate, deliver to it (the key is in the path).
        var (integration, config) = await admin.NewConfigAsync(signingSecretName: null);
        var first = await admin.GeneratedUrlAsync(integration, config);
        var second = (await (await admin.RotateAsync(integration, config)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
        minted.Add(WebhookApi.KeyOf(first));
        minted.Add(WebhookApi.KeyOf(second));
        using (var provider = _factory.CreateClient())
        {
            await provider.PostAsync(new Uri(second).PathAndQuery, JsonContent.Create(new { ok = true }));
            await provider.PostAsync(new Uri(first).PathAndQuery, JsonContent.Create(new { revoked = true }));
        }

        // Integration key (Svix): rotate; the Admin read-back is the one sanctioned second appearance.
        var key = (await (await admin.PostAsync($"/api/v1/app/default/integration/{integration}/key/rotate", null)).ExpectAsync(HttpStatusCode.OK))["key"]!.GetValue<string>();
        minted.Add(key);
        Assert.Equal(key, (await (await admin.GetAsync($"/api/v1/app/default/integration/{integration}/key")).ExpectAsync(HttpStatusCode.OK))["key"]!.GetValue<string>());

        Assert.All(minted, s => Assert.True(s.Length >= 40, "every minted secret has its full length"));

        // Every read endpoint afterwards.
        string[] reads =
        [
            $"{t}/api-clients", $"{t}/signing-secrets", $"{t}/audit?take=500", $"{t}/integrations?take=500",
            $"{t}/integrations/{integration}", $"{t}/integrations/{integration}/configs", $"{t}/integrations/{integration}/configs/{config}",
            $"{t}/integrations/{integration}/configs/{config}/webhook/keys", $"{t}/integrations/{integration}/configs/{config}/webhook/events",
            $"/api/v1/app/default/integration/{integration}", "/openapi/v1.json",
        ];
        foreach (var url in reads)
        {
            var body = await (await admin.GetAsync(url)).Content.ReadAsStringAsync();
            Assert.All(minted, s => Assert.DoesNotContain(s, body, StringComparison.Ordinal));
            Assert.False(SecretShaped().IsMatch(body), $"{url} returned something shaped like a secret");
        }

        var logs = _app.Logs.All;
        Assert.NotEmpty(_app.Logs.Lines);
        Assert.All(minted, s => Assert.DoesNotContain(s, logs, StringComparison.Ordinal));
        var shaped = SecretShaped().Match(logs);
        Assert.False(shaped.Success, shaped.Success ? "a log line holds something shaped like a secret: " + shaped.Value[..10] + "…" : "");
    }

    public void Dispose()
    {
        _factory.Dispose();
        _app.Dispose();
    }
}
