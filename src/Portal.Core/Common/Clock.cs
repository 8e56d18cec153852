namespace Portal.Core.Common;

public static class TimeExtensions
{
    /// <summary>Fruxon timestamps are Unix epoch milliseconds.</summary>
    public static long NowMs(this TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();
}

public static class Rfc3339
{
    /// <summary>RFC 3339 in UTC with milliseconds, e.g. <c>2025-11-23T10:15:30.123Z</c>: XRPC's <c>datetime</c> and Svix's timestamps.</summary>
    public static string Format(long epochMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
