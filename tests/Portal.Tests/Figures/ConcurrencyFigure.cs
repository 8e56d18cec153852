using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Figures;

public sealed partial class SecurityFigures
{
    private const int Racers = 100;
    private const string T = $"/v1/tenants/{PortalApplication.Tenant}";

    [GeneratedRegex(@"(whk|mcp|integsk|pcs)_[A-Za-z0-9]{40,}|whsec_[A-Za-z0-9+/=]{40,}")]
    private static partial Regex SecretShaped();

    /// <summary>A kind of key: how to prepare its owner, the rotate request, and how to try a key (null: not cheap).</summary>
    private sealed record Kind(string Name, Func<HttpClient, Task<Func<HttpRequestMessage>>> Prepare, Func<string, Task<bool>>? Works = null);

    private async Task<bool> DeliveryAcceptedAsync(string key, string prefix)
    {
        using var response = await figures.Portal.DeliverAsync($"http://localhost{prefix}/{key}");
        return response.IsSuccessStatusCode;
    }

    [Fact]
    public async Task Figure3_concurrency_a_hundred_concurrent_rotations_of_each_key_kind_leave_exactly_one_live_key()
    {
        using var admin = await figures.ClientAsync();
        string? configHookPrefix = null, bindingHookPrefix = null;
        string? svixIntegration = null;
        var kinds = new Kind[]
        {
            new("config webhook:rotate", async http =>
            {
                var (integration, config) = await http.NewConfigAsync();
                var url = await http.GeneratedUrlAsync(integration, config);
                configHookPrefix = new Uri(url).AbsolutePath[..new Uri(url).AbsolutePath.LastIndexOf('/')];
                return () => new HttpRequestMessage(HttpMethod.Post, $"{WebhookApi.ConfigPath(integration, config)}/webhook:rotate");
            }, key => DeliveryAcceptedAsync(key, configHookPrefix!)),
            new("binding webhook:rotate", async http =>
            {
                var (integration, config) = await http.NewConfigAsync("PER_BINDING");
                var binding = (await (await http.PostAsJsonAsync($"{WebhookApi.ConfigPath(integration, config)}/bindings", new { name = "eu" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
                var url = (await (await http.PostAsync($"{WebhookApi.ConfigPath(integration, config)}/bindings/{binding}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK))["webhookUrl"]!.GetValue<string>();
                bindingHookPrefix = new Uri(url).AbsolutePath[..new Uri(url).AbsolutePath.LastIndexOf('/')];
                return () => new HttpRequestMessage(HttpMethod.Post, $"{WebhookApi.ConfigPath(integration, config)}/bindings/{binding}/webhook:rotate");
            }, key => DeliveryAcceptedAsync(key, bindingHookPrefix!)),
            new("signing-secret :rotate", async http =>
            {
                var name = ApiTestData.NewId("race");
                await (await http.PostAsJsonAsync($"{T}/signing-secrets", new { name })).ExpectAsync(HttpStatusCode.Created);
                return () => new HttpRequestMessage(HttpMethod.Post, $"{T}/signing-secrets/{name}:rotate");
            }),
            new("XRPC secret.rotate", async http =>
            {
                var name = ApiTestData.NewId("race-xrpc");
                await (await http.PostAsJsonAsync($"{T}/signing-secrets", new { name })).ExpectAsync(HttpStatusCode.Created);
                return () => new HttpRequestMessage(HttpMethod.Post, "/xrpc/place.wisp.v2.secret.rotate") { Content = JsonContent.Create(new { name }) };
            }),
            new("mcp:rotateKey", async http =>
            {
                var (integration, config) = await McpTestData.CreateAsync(http);
                await McpTestData.EnableAsync(http, integration, config);
                return () => new HttpRequestMessage(HttpMethod.Post, $"{McpTestData.Mcp(integration)}:rotateKey");
            }),
            new("svix key/rotate", async http =>
            {
                var (integration, _) = await http.NewConfigAsync();
                svixIntegration = integration;
                return () => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/app/{PortalApplication.Tenant}/integration/{integration}/key/rotate");
            }, async key =>
            {
                using var http = await figures.ClientAsync(key);
                using var response = await http.GetAsync($"{T}/integrations/{svixIntegration}");
                return response.IsSuccessStatusCode;
            }),
            new("api-client :rotateSecret", async http =>
            {
                var client = await (await http.PostAsJsonAsync($"{T}/api-clients", new { displayName = "race", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
                var id = client["clientId"]!.GetValue<string>();
                return () => new HttpRequestMessage(HttpMethod.Post, $"{T}/api-clients/{id}:rotateSecret");
            }),
        };

        var problems = new List<string>();
        foreach (var kind in kinds)
        {
            var request = await kind.Prepare(admin);
            var statuses = new ConcurrentBag<int>();
            var minted = new ConcurrentBag<string>();
            await Task.WhenAll(Enumerable.Range(0, Racers).Select(async _ =>
            {
                using var response = await admin.SendAsync(request());
                statuses.Add((int)response.StatusCode);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    minted.Add(SecretShaped().Match(await response.Content.ReadAsStringAsync()).Value);
                }
            }));

            var ok = statuses.Count(s => s == 200);
            var conflicts = statuses.Count(s => s == 409);
            var other = statuses.Where(s => s is not (200 or 409)).ToList();
            var (live, liveIsMinted) = kind.Name.StartsWith("api-client", StringComparison.Ordinal) ? await LiveClientSecretsAsync(minted) : await LiveKeysAsync(minted);
            var worked = -1;
            if (kind.Works is not null)
            {
                worked = 0;
                foreach (var key in minted)
                {
                    worked += await kind.Works(key) ? 1 : 0;
                }
            }

            output.WriteLine($"concurrency: {kind.Name}: {Racers} concurrent, {ok} x 200, {conflicts} x 409, {other.Count} other, live keys {live}" + (worked >= 0 ? $", minted keys that still work {worked}" : ""));
            if (other.Count > 0 || live != 1 || !liveIsMinted || ok == 0 || worked is not (-1 or 1) || minted.Any(string.IsNullOrEmpty))
            {
                problems.Add($"{kind.Name}: statuses {string.Join(',', other.Distinct())}, live {live} (minted by a 200: {liveIsMinted}), working {worked}");
            }
        }

        Assert.Empty(problems);
    }

    private async Task<(int Live, bool Minted)> LiveKeysAsync(IEnumerable<string> minted)
    {
        var hashes = minted.Select(SecretFormat.Hash).ToHashSet();
        await using var db = await figures.Portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var any = hashes.First();
        var owner = (await db.IssuedKeys.AsNoTracking().SingleAsync(k => k.Hash == any)).OwnerId;
        var now = figures.Portal.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var usable = (await db.IssuedKeys.AsNoTracking().Where(k => k.OwnerId == owner).ToListAsync()).Where(k => k.IsUsableAt(now)).ToList();
        return (usable.Count, usable.All(k => hashes.Contains(k.Hash!)));
    }

    /// <summary>API client secrets: the stored prefix names one minted secret, which gets a token.</summary>
    private async Task<(int Live, bool Minted)> LiveClientSecretsAsync(IReadOnlyCollection<string> minted)
    {
        await using var db = await figures.Portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var prefixes = await db.ApiClients.AsNoTracking().Select(c => c.SecretPrefix).ToListAsync();
        var live = minted.Where(s => prefixes.Any(p => s.StartsWith(p, StringComparison.Ordinal))).ToList();
        if (live.Count != 1)
        {
            return (live.Count, false);
        }

        var clientId = (await db.ApiClients.AsNoTracking().ToListAsync()).Single(c => live[0].StartsWith(c.SecretPrefix, StringComparison.Ordinal)).ClientId;
        await figures.TokenAsync(clientId, live[0]);
        return (1, true);
    }
}
