using System.Globalization;
using System.Threading.RateLimiting;
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
/// Counts failures (not requests) per key with the framework's fixed-window limiter: a failure takes a permit; once a
/// key's permits are gone, <see cref="RetryAfter"/> says how long until the window resets. Successes cost nothing.
/// </summary>
public sealed class FailureThrottle(IOptions<SecurityOptions> options) : IDisposable
{
    public const string TokenClient = "token-client";
    public const string TokenAddress = "token-address";
    public const string SignInAddress = "signin-address";

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, k => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, LimitOf(options.Value, k)),
            Window = options.Value.FailureWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>A partition key: the kind, then the value (capped, so a long guessed client id is not a memory cost).</summary>
    public static string Key(string kind, string? value) =>
        $"{kind}:{(string.IsNullOrEmpty(value) ? "unknown" : value.Length > 200 ? value[..200] : value)}";

    /// <summary>How long until the first exhausted key has budget again; null when none is exhausted.</summary>
    public TimeSpan? RetryAfter(params string[] keys)
    {
        foreach (var key in keys)
        {
            using var lease = _limiter.AttemptAcquire(key, 0);
            if (!lease.IsAcquired)
            {
                return lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : options.Value.FailureWindow;
            }
        }

        return null;
    }

    /// <summary>Counts one failure against each key; true when this very failure used up a key's budget (to audit it once).</summary>
    public bool RecordFailure(params string[] keys)
    {
        var exhaustedNow = false;
        foreach (var key in keys)
        {
            using var lease = _limiter.AttemptAcquire(key, 1);
            exhaustedNow |= lease.IsAcquired && RetryAfter(key) is not null;
        }

        return exhaustedNow;
    }

    public static string Seconds(TimeSpan after) => Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    public void Dispose() => _limiter.Dispose();

    private static int LimitOf(SecurityOptions o, string key) => key[..key.IndexOf(':')] switch
    {
        TokenClient => o.TokenFailuresPerClient,
        TokenAddress => o.TokenFailuresPerAddress,
        _ => o.SignInFailuresPerAddress,
    };
}
