using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Outbound;

namespace Portal.Core.SecretScanning;

/// <summary>
/// The public keys GitHub signs secret scanning reports with, by key identifier: those configured in
/// <see cref="GitHubSecretScanningOptions.PublicKeys"/> first, then those of the <see cref="GitHubSecretScanningOptions.KeysUrl"/>
/// document (<c>{"public_keys":[{"key_identifier","key","is_current"}]}</c>), fetched through the outbound client and
/// kept for <see cref="GitHubSecretScanningOptions.KeysCacheFor"/>. An identifier the document does not know fetches it
/// again (GitHub may have added a key), at most once per <see cref="RefreshAtMostEvery"/>, so made-up identifiers
/// cannot make the portal hammer GitHub. A failed fetch keeps the keys it had.
/// </summary>
public sealed class GitHubPublicKeys(IOptionsMonitor<GitHubSecretScanningOptions> options, IHttpClientFactory httpFactory, TimeProvider time, ILogger<GitHubPublicKeys> logger)
{
    public static readonly TimeSpan RefreshAtMostEvery = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _fetching = new(1, 1);
    private volatile Fetched? _fetched;
    private long _lastAttempt = long.MinValue;

    /// <summary>The PEM of the key with this identifier, or null when neither the configuration nor GitHub's document has it.</summary>
    public async ValueTask<string?> FindAsync(string keyIdentifier, CancellationToken ct = default)
    {
        var settings = options.CurrentValue;
        foreach (var configured in settings.PublicKeys)
        {
            if (string.Equals(configured.KeyIdentifier, keyIdentifier, StringComparison.Ordinal) && !string.IsNullOrEmpty(configured.Key))
            {
                return configured.Key;
            }
        }

        if (string.IsNullOrEmpty(settings.KeysUrl))
        {
            return null;
        }

        var fetched = _fetched;
        if (fetched is null || time.GetUtcNow() - fetched.At > settings.KeysCacheFor)
        {
            fetched = await RefreshAsync(settings.KeysUrl, seen: fetched, ct);
        }

        if (fetched?.Keys.TryGetValue(keyIdentifier, out var pem) == true)
        {
            return pem;
        }

        // Unknown: GitHub may have rotated its keys since the last fetch.
        fetched = await RefreshAsync(settings.KeysUrl, seen: fetched, ct);
        return fetched?.Keys.TryGetValue(keyIdentifier, out pem) == true ? pem : null;
    }

    private async Task<Fetched?> RefreshAsync(string url, Fetched? seen, CancellationToken ct)
    {
        await _fetching.WaitAsync(ct);
        try
        {
            // Another caller refreshed while this one waited: use its answer.
            if (!ReferenceEquals(_fetched, seen))
            {
                return _fetched;
            }

            var now = time.GetUtcNow().UtcTicks;
            if (_lastAttempt != long.MinValue && now - _lastAttempt < RefreshAtMostEvery.Ticks)
            {
                return _fetched;
            }

            _lastAttempt = now;
            if (await FetchAsync(url, ct) is { } keys)
            {
                _fetched = new Fetched(keys, time.GetUtcNow());
            }

            return _fetched;
        }
        finally
        {
            _fetching.Release();
        }
    }

    private async Task<Dictionary<string, string>?> FetchAsync(string url, CancellationToken ct)
    {
        try
        {
            var http = httpFactory.CreateClient(OutboundHttp.ClientName);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Portal-SecretScanning", "1.0")); // GitHub's API refuses requests without one
            using var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("The secret scanning keys document answered {Status}; keeping the keys known before", (int)response.StatusCode);
                return null;
            }

            await using var body = await response.Content.ReadAsStreamAsync(ct);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: ct);
            var keys = new Dictionary<string, string>(StringComparer.Ordinal);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("public_keys", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var entry in list.EnumerateArray())
                {
                    if (entry.ValueKind == JsonValueKind.Object
                        && entry.TryGetProperty("key_identifier", out var id) && id.ValueKind == JsonValueKind.String
                        && entry.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String)
                    {
                        keys[id.GetString()!] = key.GetString()!;
                    }
                }
            }

            return keys;
        }
        catch (Exception e) when (e is HttpRequestException or OutboundRefusedException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning("The secret scanning keys document could not be fetched ({Reason}); keeping the keys known before", e.GetType().Name);
            return null;
        }
    }

    private sealed record Fetched(Dictionary<string, string> Keys, DateTimeOffset At);
}
