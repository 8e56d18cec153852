using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Portal.Core.Data;
using Microsoft.Extensions.Options;

namespace Portal.Hosting;

/// <summary>The <c>Portal:Security</c> section: how many failures sign-in and the token endpoint forgive.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Portal:Security";

    /// <summary>Failed token requests per client id within <see cref="FailureWindow"/>, then 429.</summary>
    public int TokenFailuresPerClient { get; set; } = 5;

    /// <summary>Failed token requests per network address within <see cref="FailureWindow"/>, then 429.</summary>
    public int TokenFailuresPerAddress { get; set; } = 50;

    /// <summary>Failed sign-ins per network address within <see cref="FailureWindow"/>, then the form refuses to check passwords.</summary>
    public int SignInFailuresPerAddress { get; set; } = 50;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Wrong passwords in a row that lock an account (Identity lockout).</summary>
    public int SignInMaxFailures { get; set; } = 5;

    public TimeSpan SignInLockout { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Counts failures (not requests) per key in fixed windows: a failure counts; once a key's budget is spent,
/// <see cref="RetryAfterAsync"/> says how long until the window resets. Successes cost nothing. Counted by
/// <see cref="SharedRateLimiter"/>: in memory on SQLite (one instance), in the database on PostgreSQL, so a guesser
/// spreading attempts over several instances meets one budget, not one per instance.
/// </summary>
public sealed class FailureThrottle(SharedRateLimiter limiter, IOptions<SecurityOptions> options)
{
    public const string TokenClient = "token-client";
    public const string TokenAddress = "token-address";
    public const string SignInAddress = "signin-address";

    /// <summary>A partition key: the kind, then the value (capped, so a long guessed client id is not a memory cost).</summary>
    public static string Key(string kind, string? value) =>
        $"{kind}:{(string.IsNullOrEmpty(value) ? "unknown" : value.Length > 200 ? value[..200] : value)}";

    /// <summary>How long until the first exhausted key has budget again; null when none is exhausted.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string[] keys, CancellationToken ct = default)
    {
        foreach (var key in keys)
        {
            var decision = await limiter.PeekAsync(Partition(key), LimitOf(options.Value, key), options.Value.FailureWindow, ct);
            if (!decision.Allowed)
            {
                return decision.RetryAfter;
            }
        }

        return null;
    }

    /// <summary>Counts one failure against each key; true when this very failure used up a key's budget (to audit it once).</summary>
    public async Task<bool> RecordFailureAsync(string[] keys, CancellationToken ct = default)
    {
        var exhaustedNow = false;
        foreach (var key in keys)
        {
            var decision = await limiter.TryAcquireAsync(Partition(key), LimitOf(options.Value, key), options.Value.FailureWindow, ct);
            exhaustedNow |= decision.Count == LimitOf(options.Value, key);
        }

        return exhaustedNow;
    }

    public static string Seconds(TimeSpan after) => Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>The limiter's partition: short keys as they are, long ones by hash (partitions are at most 100 characters).</summary>
    private static string Partition(string key) =>
        "fail:" + (key.Length <= 90 ? key : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))));

    private static int LimitOf(SecurityOptions o, string key) => Math.Max(1, key[..key.IndexOf(':')] switch
    {
        TokenClient => o.TokenFailuresPerClient,
        TokenAddress => o.TokenFailuresPerAddress,
        _ => o.SignInFailuresPerAddress,
    });
}
