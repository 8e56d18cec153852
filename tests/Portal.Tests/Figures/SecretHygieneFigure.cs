using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Figures;

public sealed partial class SecurityFigures
{
    [GeneratedRegex(@"(whk|mcp|integsk|pcs|whsec)_[A-Za-z0-9+/=]{12,}")]
    private static partial Regex SecretStart();

    /// <summary>Svix seed 004: the Admin read-back of an integration key is the one sanctioned second appearance.</summary>
    [GeneratedRegex(@"^GET /api/v1/app/[^/]+/integration/[^/?]+/key(\?|$)")]
    private static partial Regex KeyReadBack();

    /// <summary>
    /// Runs last (name order): every secret any recorded response carried (the figures above mint hundreds) appears
    /// in exactly one response, the one that minted it, and in no captured log line (Trace level) — the rule of
    /// <see cref="SecretsNeverLeakTests"/>, applied to everything this suite did.
    /// </summary>
    [Fact]
    public async Task Figure6_secret_hygiene_no_minted_secret_appears_in_a_log_line_or_another_response()
    {
        // Mint one of each kind here too, so the figure holds when it runs alone.
        using (var admin = await figures.ClientAsync())
        {
            var (integration, config) = await admin.NewConfigAsync();
            await admin.GeneratedUrlAsync(integration, config);
            await (await admin.PostAsync($"/api/v1/app/{PortalApplication.Tenant}/integration/{integration}/key/rotate", null)).ExpectAsync(HttpStatusCode.OK);
            await (await admin.GetAsync($"/api/v1/app/{PortalApplication.Tenant}/integration/{integration}/key")).ExpectAsync(HttpStatusCode.OK);
            var signing = Infrastructure.ApiTestData.NewId("hygiene");
            await (await admin.PostAsJsonAsync($"{T}/signing-secrets", new { name = signing })).ExpectAsync(HttpStatusCode.Created);
            // seed 003: "Rotate a webhook signing secret, generating a new token. … The new token is only returned in this response."
            await (await admin.PostAsJsonAsync("/xrpc/place.wisp.v2.secret.rotate", new { name = signing })).ExpectAsync(HttpStatusCode.OK);
            await (await admin.PostAsJsonAsync($"{T}/api-clients", new { displayName = "hygiene", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
            var (mcp, mcpConfig) = await McpTestData.CreateAsync(admin);
            await McpTestData.EnableAsync(admin, mcp, mcpConfig);

            // Every read the portal offers, once more, after everything was minted.
            foreach (var route in figures.Routes.Where(r => r.Method == "GET" && r.PathParameters.SequenceEqual(["tenant"])))
            {
                await admin.GetAsync(route.Template.Replace("{tenant}", PortalApplication.Tenant, StringComparison.Ordinal));
            }

            await admin.GetAsync($"{T}/integrations/{integration}/configs/{config}/webhook/keys");
            await admin.GetAsync($"{T}/integrations/{integration}/configs/{config}");
            await admin.GetAsync(McpTestData.Mcp(mcp));
        }

        var responses = figures.Responses.ToList();
        var appearances = new Dictionary<string, List<Recorded>>(StringComparer.Ordinal);
        foreach (var response in responses)
        {
            foreach (var secret in SecretShaped().Matches(response.Body).Select(m => m.Value).Distinct())
            {
                (appearances.TryGetValue(secret, out var list) ? list : appearances[secret] = []).Add(response);
            }
        }

        var leaks = new List<string>();
        foreach (var (secret, seen) in appearances)
        {
            var others = seen.Where(r => !KeyReadBack().IsMatch($"{r.Method} {r.Path}")).ToList();
            if (others.Count > 1)
            {
                leaks.Add($"{secret[..10]}… in {others.Count} responses: {string.Join(", ", others.Select(r => $"{r.Method} {r.Path} {r.Status}"))}");
            }
        }

        // Logs: a key prefix (≤ 16 characters) may be named; anything longer that starts a minted secret is a leak.
        var byPrefix = appearances.Keys.ToLookup(s => s[..16], StringComparer.Ordinal);
        var lines = figures.Portal.Logs.Lines.ToList();
        foreach (var line in lines)
        {
            foreach (Match m in SecretStart().Matches(line))
            {
                if (m.Value.Length > 16 && byPrefix[m.Value[..16]].Any(s => s.StartsWith(m.Value, StringComparison.Ordinal) || m.Value.StartsWith(s, StringComparison.Ordinal)))
                {
                    leaks.Add($"log line holds {m.Value[..10]}…: {line[..Math.Min(line.Length, 200)]}");
                }
            }
        }

        output.WriteLine($"secret hygiene: {appearances.Count} minted secrets checked against {responses.Count} responses and {lines.Count} log lines, {leaks.Count} leaks");
        leaks.Take(20).ToList().ForEach(output.WriteLine);
        Assert.True(appearances.Count >= 6, $"only {appearances.Count} secrets seen");
        Assert.NotEmpty(lines);
        Assert.Empty(leaks);
    }
}
