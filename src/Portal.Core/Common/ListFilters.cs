using System.Globalization;

namespace Portal.Core.Common;

/// <summary>
/// The strict reading of a list's query string, shared by the API and the pages: a value that does not parse is a 400 that
/// names the parameter, never a silently widened list or a 5xx.
/// </summary>
public sealed class ListFilters
{
    /// <summary>The longest text filter value: longer than any stored column it could match.</summary>
    public const int MaxTextLength = 512;

    private readonly ValidationErrors _errors = new();

    public bool Valid => !_errors.Any;

    public Error ToError()
    {
        var error = _errors.ToError();
        return error with { Detail = "A filter or paging value is invalid: " + string.Join(" ", error.Errors!.SelectMany(e => e.Value)) };
    }

    /// <summary>skip ≥ 0 and 1 ≤ take ≤ 500 (defaults 0 and 50).</summary>
    public Paging Paging(int? skip, int? take)
    {
        if (skip is < 0)
        {
            _errors.Add("skip", "skip must be 0 or more.");
        }

        if (take is < 1 or > Common.Paging.MaxTake)
        {
            _errors.Add("take", $"take must be between 1 and {Common.Paging.MaxTake}.");
        }

        return Common.Paging.From(skip, take);
    }

    /// <summary>An instant as epoch milliseconds or an ISO 8601 date-time (UTC unless it names an offset); null when absent.</summary>
    public long? Instant(string field, string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        if (ParseInstant(raw) is { } ms)
        {
            return ms;
        }

        _errors.Add(field, $"{field} must be a date-time such as 2026-12-03T06:00:00Z, or epoch milliseconds.");
        return null;
    }

    /// <summary>A text filter: trimmed, at most <see cref="MaxTextLength"/> characters, no control characters; null when absent.</summary>
    public string? Text(string field, string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var value = raw.Trim();
        if (value.Length > MaxTextLength)
        {
            _errors.Add(field, $"{field} must be at most {MaxTextLength} characters.");
            return null;
        }

        if (value.Any(char.IsControl))
        {
            _errors.Add(field, $"{field} must not contain control characters.");
            return null;
        }

        return value;
    }

    /// <summary>from must come before to.</summary>
    public void Range(long? from, long? to)
    {
        if (from is { } f && to is { } t && f >= t)
        {
            _errors.Add("to", "to must be later than from.");
        }
    }

    public static long? ParseInstant(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > 64)
        {
            return null;
        }

        raw = raw.Trim();
        if (long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            return ms <= 253_402_300_799_999 ? ms : null; // up to year 9999
        }

        return DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at.ToUnixTimeMilliseconds()
            : null;
    }

    /// <summary>How the pages and the URL spell an instant: ISO 8601 UTC to the second.</summary>
    public static string FormatInstant(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
