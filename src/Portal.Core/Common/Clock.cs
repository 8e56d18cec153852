namespace Portal.Core.Common;

public static class TimeExtensions
{
    /// <summary>Fruxon timestamps are Unix epoch milliseconds.</summary>
    public static long NowMs(this TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();
}
