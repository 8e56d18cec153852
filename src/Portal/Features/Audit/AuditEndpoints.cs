using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Hosting;

namespace Portal.Features.Audit;

public static class AuditEndpoints
{
    private const string FilterDescription = "Filters: action and actor (exact), target (prefix, case-sensitive), from (inclusive) and to (exclusive) on the event time, " +
        "as ISO 8601 date-times or epoch milliseconds. A value that does not parse is a 400 naming it.";

    public static void MapAuditEndpoints(this RouteGroupBuilder tenant)
    {
        tenant.MapGet("/audit", async Task<Results<Ok<Page<AuditEventView>>, ProblemHttpResult>> (HttpContext http, AuditService service, string? action, string? target, string? actor, string? from, string? to, int? skip, int? take) =>
            {
                var parsed = AuditQuery.Parse(action, target, actor, from, to, skip, take);
                return parsed.IsSuccess
                    ? TypedResults.Ok(await service.ListAsync(http.Actor(), parsed.Value.Query, parsed.Value.Paging, http.RequestAborted))
                    : ApiResults.Problem(parsed.Error!);
            })
            .WithTags("Audit").WithName("audit.list").WithSummary("Audit events of the tenant, newest first.").WithDescription(FilterDescription);

        // A custom method on the collection (as :publish, :rotate): the same filters, the matching rows as CSV.
        tenant.MapGet("/audit:export", async (HttpContext http, AuditService service, string? action, string? target, string? actor, string? from, string? to) =>
            {
                var parsed = AuditQuery.Parse(action, target, actor, from, to);
                if (!parsed.IsSuccess)
                {
                    return ApiResults.Problem(parsed.Error!);
                }

                return Results.Stream(async stream =>
                {
                    await using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                    await AuditCsv.WriteAsync(service.ExportAsync(http.Actor(), parsed.Value.Query, http.RequestAborted), writer, http.RequestAborted);
                }, AuditCsv.ContentType, $"audit-{http.Actor().TenantId}.csv");
            })
            .WithTags("Audit").WithName("audit.export").WithSummary("Exports the matching audit events as CSV (at most 100,000 rows), newest first.")
            .WithDescription(FilterDescription + " Columns: at (ISO 8601 UTC), actor, action, target, keyPrefix, outcome, ip. Cells that start with = + - @ " +
                "are prefixed with an apostrophe so a spreadsheet does not run them. Beyond 100,000 rows the last line says the export was cut. The export is audited (audit.export).")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv").ProducesProblem(400);
    }
}
