using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.KeyLifecycle;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Core.SecretScanning;

/// <summary>
/// Takes GitHub's secret scanning reports (DESIGN.md "Secret scanning intake"): the signature is checked over the raw
/// body before anything is parsed. Each token that has a portal key's shape and checksum is looked up by hash across
/// tenants (a string that fails the checksum is never looked up); a key found is revoked at once unless its tenant's
/// policy says <see cref="LeakAction.Notify"/>, marked leaked with where it was found, and audited as <c>key.leaked</c>
/// in its tenant. One report is one transaction; the revocation reaches every instance's cache before the answer.
/// </summary>
public sealed class LeakIntakeService(
    GitHubPublicKeys publicKeys,
    IDbContextFactory<PortalDbContext> dbFactory,
    KeyPolicyService policies,
    TimeProvider time,
    ILogger<LeakIntakeService> logger)
{
    /// <summary>The largest report taken; GitHub's are far smaller (it batches a few tokens per request).</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>The most tokens one report may carry.</summary>
    public const int MaxTokens = 50_000;

    /// <summary>Hashes per lookup query (one <c>IN</c> list each).</summary>
    public const int LookupChunk = 500;

    /// <summary>How the audit log names the intake.</summary>
    public const string ActorName = "github-secret-scanning";

    /// <summary>Names the lookup query in the SQL it sends (and lets a test count lookups).</summary>
    public const string LookupTag = "secret scanning lookup";

    private const int MaxTokenTypeLength = 100;

    public async Task<LeakIntakeOutcome> ReceiveAsync(LeakReport report, CancellationToken ct = default)
    {
        if (report.ContentLength > MaxBodyBytes || await ReadAtMostAsync(report.Body, MaxBodyBytes, ct) is not { } body)
        {
            return new LeakIntakeOutcome.TooLarge($"A secret scanning report may be at most {MaxBodyBytes / 1024 / 1024} MiB.");
        }

        if (string.IsNullOrWhiteSpace(report.KeyIdentifier) || string.IsNullOrWhiteSpace(report.Signature))
        {
            return Refused("The report is not signed: send Github-Public-Key-Identifier and Github-Public-Key-Signature (base64 ECDSA P-256 / SHA-256 of the raw body).");
        }

        var identifier = report.KeyIdentifier.Trim();
        if (identifier.Length > 256 || await publicKeys.FindAsync(identifier, ct) is not { } pem)
        {
            return Refused("Github-Public-Key-Identifier names no key this portal knows (Portal:SecretScanning:GitHub:PublicKeys, or the KeysUrl document).");
        }

        if (!GitHubSignature.Verify(pem, body, report.Signature))
        {
            return Refused("Github-Public-Key-Signature does not verify over this body with the named key.");
        }

        var tokens = Parse(body);
        if (tokens.Count > MaxTokens)
        {
            return new LeakIntakeOutcome.TooLarge($"A secret scanning report may carry at most {MaxTokens} tokens; split it.");
        }

        var found = await ReportAsync(tokens, report.Ip, ct);
        var labels = tokens.Select(t => new TokenLabel(
                t.Hash,
                t.Type,
                t.Candidate && found.Contains(t.Hash) ? TokenLabels.TruePositive : TokenLabels.FalsePositive))
            .ToList();
        logger.LogInformation("Secret scanning report: {Tokens} tokens, {Found} portal keys found", tokens.Count, found.Count);
        return new LeakIntakeOutcome.Labelled(labels);
    }

    private LeakIntakeOutcome Refused(string detail)
    {
        logger.LogWarning("Refused a secret scanning report: {Reason}", detail);
        return new LeakIntakeOutcome.Unauthorized(detail);
    }

    /// <summary>
    /// Looks the well-formed tokens up by hash in chunks, and marks (and, by policy, revokes) every key found, in one
    /// transaction. Tracked changes of <see cref="IssuedKey"/>: the <see cref="ChangeAnnouncer"/> evicts them from every
    /// instance's key cache on commit, before this returns. Returns the hashes of the keys found.
    /// </summary>
    private async Task<HashSet<string>> ReportAsync(IReadOnlyList<ReportedToken> tokens, string? ip, CancellationToken ct)
    {
        // The first report of a hash names the kind it claims and where it was found.
        var candidates = new Dictionary<string, ReportedToken>(StringComparer.Ordinal);
        foreach (var token in tokens.Where(t => t.Candidate))
        {
            candidates.TryAdd(token.Hash, token);
        }

        if (candidates.Count == 0)
        {
            return [];
        }

        var result = await dbFactory.RunAsync(async db =>
        {
            var now = time.NowMs();
            var found = new HashSet<string>(StringComparer.Ordinal);
            foreach (var chunk in candidates.Keys.Chunk(LookupChunk))
            {
                var keys = await db.IssuedKeysForUpdateAsync(chunk, LookupTag, ct);
                foreach (var key in keys)
                {
                    var reported = candidates[key.Hash!];
                    if (key.Kind != reported.Kind)
                    {
                        continue;
                    }

                    found.Add(key.Hash!);
                    await MarkLeakedAsync(db, key, reported, ip, now, ct);
                }
            }

            return Result<HashSet<string>>.Ok(found);
        }, ct);
        return result.Value ?? [];
    }

    private async Task MarkLeakedAsync(PortalDbContext db, IssuedKey key, ReportedToken reported, string? ip, long now, CancellationToken ct)
    {
        var actor = new Actor(ActorName, ActorKind.Service, key.TenantId, TenantRole.Admin, ip);
        var target = KeyInventoryService.KeyTarget(key.Id.ToString());
        var policy = (await policies.GetAsync(key.TenantId, ct)).For(key.Kind);

        // The first report keeps its time and place; later ones are audited but change neither.
        var first = key.LeakedAt is null;
        if (first)
        {
            key.LeakedAt = now;
            key.LeakUrl = reported.Url;
        }
        else
        {
            key.LeakUrl ??= reported.Url;
        }

        db.AuditEvents.Add(AuditEvent.Of(actor, now, "key.leaked", reported.Url is null ? target : $"{target} found at {reported.Url}", keyPrefix: key.KeyPrefix));
        if (policy.OnLeak == LeakAction.Revoke && key.RevokedAt is null)
        {
            key.RevokedAt = now;
            db.AuditEvents.Add(AuditEvent.Of(actor, now, "key.revoke", target, keyPrefix: key.KeyPrefix));
        }

        if (first)
        {
            // Announced once per key, with the report's transaction (DESIGN.md "Notifications").
            Notifications.NotificationEvents.StageKey(db, Notifications.NotificationEvents.KeyLeaked, key, ActorName, now,
                ("url", reported.Url), ("onLeak", policy.OnLeak == LeakAction.Revoke ? "revoke" : "notify"), ("revoked", key.RevokedAt is not null));
        }
    }

    /// <summary>
    /// The tokens of a report (<c>[{token, type, url, source}]</c>), in order. Anything that is not such an array (malformed
    /// JSON, an object, too deep) is a report of nothing; an entry without a string <c>token</c> is skipped.
    /// </summary>
    private static List<ReportedToken> Parse(byte[] body)
    {
        var tokens = new List<ReportedToken>();
        try
        {
            using var document = JsonDocument.Parse(body, PortalJson.DocumentOptions);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return tokens;
            }

            foreach (var entry in document.RootElement.EnumerateArray())
            {
                if (Read(entry) is { } token)
                {
                    tokens.Add(token);
                }

                if (tokens.Count > MaxTokens)
                {
                    break;
                }
            }
        }
        catch (JsonException)
        {
            tokens.Clear();
        }

        return tokens;
    }

    private static ReportedToken? Read(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("token", out var tokenElement) || tokenElement.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        string token;
        try
        {
            token = tokenElement.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return null; // a lone surrogate escape: no string to hash
        }

        var type = entry.TryGetProperty("type", out var t) && StringOf(t) is { } typeText ? AuditEvent.Fit(typeText, MaxTokenTypeLength)! : "";
        var url = entry.TryGetProperty("url", out var u) && StringOf(u) is { } urlText ? SafeUrl(urlText) : null;

        // The checksum decides, without a lookup, whether the string can be a portal key at all.
        var kind = KeyKinds.OfPresented(token);
        var candidate = kind is { } k && KeyKinds.IsWellFormed(k, token);
        return new ReportedToken(SecretFormat.Hash(token), type, url, kind ?? default, candidate);
    }

    /// <summary>A JSON string's text; null for anything else, or a string with a lone surrogate escape (it has no text).</summary>
    private static string? StringOf(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Only an absolute http(s) URL is kept (pages link to it), cut to what the column holds.</summary>
    private static string? SafeUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? AuditEvent.Fit(url, IssuedKey.LeakUrlLength)
            : null;

    private static async Task<byte[]?> ReadAtMostAsync(Stream body, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private sealed record ReportedToken(string Hash, string Type, string? Url, KeyKind Kind, bool Candidate);
}
