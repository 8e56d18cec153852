using System.Globalization;
using System.Text;

namespace Portal.Core.Audit;

/// <summary>
/// The audit log as CSV (RFC 4180): a header row, then one row per event, CRLF line ends. A cell with a comma, quote or
/// line break is quoted (quotes doubled). A cell that a spreadsheet would run as a formula (it starts with
/// <c>= + - @</c>, a tab or a carriage return) gets a leading apostrophe: actors, targets and actions can hold what a
/// caller typed into a URL (OWASP "CSV injection").
/// </summary>
public static class AuditCsv
{
    public const string ContentType = "text/csv; charset=utf-8";
    public const string Header = "at,actor,action,target,keyPrefix,outcome,ip";

    public static async Task WriteAsync(IAsyncEnumerable<AuditEventView> rows, TextWriter writer, CancellationToken ct = default)
    {
        await writer.WriteAsync(Header + "\r\n");
        var count = 0;
        var line = new StringBuilder();
        await foreach (var e in rows.WithCancellation(ct))
        {
            if (count == AuditService.MaxExportRows)
            {
                // One row more than an export holds: say so in a last line rather than cut silently.
                await writer.WriteAsync($"# truncated: an export holds at most {AuditService.MaxExportRows} rows; narrow the time range for the rest\r\n");
                break;
            }

            line.Clear();
            line.Append(ListAt(e.At)).Append(',').Append(Cell(e.Actor)).Append(',').Append(Cell(e.Action)).Append(',')
                .Append(Cell(e.Target)).Append(',').Append(Cell(e.KeyPrefix)).Append(',').Append(Cell(e.Outcome)).Append(',')
                .Append(Cell(e.Ip)).Append("\r\n");
            await writer.WriteAsync(line, ct);
            if (++count % 1000 == 0)
            {
                await writer.FlushAsync(ct);
            }
        }

        await writer.FlushAsync(ct);
    }

    /// <summary>One CSV cell, escaped and guarded against formula injection.</summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    private static string ListAt(long at) => DateTimeOffset.FromUnixTimeMilliseconds(at).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
