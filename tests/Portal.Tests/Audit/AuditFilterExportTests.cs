using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Audit;

/// <summary>
/// The audit log's filters (actor, action, target, time range) on GET …/audit, and GET …/audit:export: the same filters
/// as CSV, escaped, guarded against formula injection, as an attachment. Bad filter values are a 400 naming them.
/// </summary>
public sealed class AuditFilterExportTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string Audit = Base + "/audit";

    /// <summary>Rows of one made-up actor, at fixed times in 1970 (so no other test's row is in their time range).</summary>
    private async Task<string> SeedAsync(params (long At, string Action, string Target)[] rows)
    {
        var actorName = $"user:tester-{Guid.NewGuid():N}@example.com";
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        foreach (var (at, action, target) in rows)
        {
            var row = AuditEvent.Of(new Actor("tester", ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, "10.0.0.1"), at, action, target);
            row.Actor = actorName;
            db.AuditEvents.Add(row);
        }

        await db.SaveChangesAsync();
        return actorName;
    }

    private async Task<List<string>> TargetsAsync(HttpClient http, string query)
    {
        var page = await (await http.GetAsync($"{Audit}?{query}")).ExpectAsync(HttpStatusCode.OK);
        var items = page["items"]!.AsArray();
        Assert.Equal(items.Count, page["total"]!.GetValue<int>());
        return items.Select(e => e!["target"]!.GetValue<string>()).ToList();
    }

    [Fact]
    public async Task The_log_filters_by_actor_action_target_and_time_range_together()
    {
        using var http = await app.ClientAsync();
        var actor = await SeedAsync((1_000, "integration.create", "integrations/a"), (2_000, "integration.update", "integrations/a"),
            (3_000, "integration.update", "integrations/b"), (4_000, "key.rotate", "integrations/a/configs/x/webhook"));
        var a = Uri.EscapeDataString(actor);

        Assert.Equal(["integrations/a/configs/x/webhook", "integrations/b", "integrations/a", "integrations/a"], await TargetsAsync(http, $"actor={a}"));
        Assert.Equal(["integrations/b", "integrations/a"], await TargetsAsync(http, $"actor={a}&action=integration.update"));
        Assert.Equal(["integrations/a/configs/x/webhook", "integrations/a", "integrations/a"], await TargetsAsync(http, $"actor={a}&target=integrations/a"));
        Assert.Equal(["integrations/b", "integrations/a"], await TargetsAsync(http, $"actor={a}&from=2000&to=4000"));
        Assert.Equal(["integrations/a"], await TargetsAsync(http, $"actor={a}&from=1970-01-01T00:00:00Z&to=1970-01-01T00:00:02Z&action=integration.create"));
        Assert.Equal(["integrations/a"], await TargetsAsync(http, $"actor={a}&from=1970-01-01T00:00:02Z&target=integrations/a&action=integration.update"));
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-02-30T00:00:00Z", "to")]
    [InlineData("from=5000&to=4000", "to")]
    [InlineData("take=-1", "take")]
    [InlineData("take=0", "take")]
    [InlineData("skip=-1", "skip")]
    [InlineData("skip=abc", "skip")]
    public async Task A_filter_that_does_not_parse_is_a_400_naming_it(string query, string parameter)
    {
        using var http = await app.ClientAsync();

        var problem = await (await http.GetAsync($"{Audit}?{query}")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var export = await (await http.GetAsync($"{Audit}:export?{query}")).Content.ReadAsStringAsync();

        Assert.Contains(parameter, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        if (!query.Contains("skip", StringComparison.Ordinal) && !query.Contains("take", StringComparison.Ordinal))
        {
            Assert.Contains(parameter, export, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("actor")]
    [InlineData("action")]
    [InlineData("target")]
    public async Task A_huge_text_filter_is_a_400_never_a_5xx(string parameter)
    {
        using var http = await app.ClientAsync();

        var problem = await (await http.GetAsync($"{Audit}?{parameter}={new string('x', 4000)}")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await http.GetAsync($"{Audit}:export?{parameter}={new string('x', 4000)}")).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem["errors"]!.AsObject().ContainsKey(parameter));
    }

    [Fact]
    public async Task The_export_is_a_csv_attachment_with_the_same_rows_escaped_and_guarded()
    {
        using var http = await app.ClientAsync();
        var actor = await SeedAsync((1_000, "integration.create", "integrations/plain"), (2_000, "integration.update", "integrations/\"quoted\",comma"),
            (3_000, "=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0"), (4_000, "-2+3", "@SUM(A1:A2)"));

        using var response = await http.GetAsync($"{Audit}:export?actor={Uri.EscapeDataString(actor)}");
        var csv = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("audit-default.csv", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var lines = csv.Split("\r\n");
        Assert.Equal([
            "at,actor,action,target,keyPrefix,outcome,ip",
            $"1970-01-01T00:00:04.000Z,{actor},'-2+3,'@SUM(A1:A2),,success,10.0.0.1",
            $"1970-01-01T00:00:03.000Z,{actor},\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",'+cmd|' /C calc'!A0,,success,10.0.0.1",
            $"1970-01-01T00:00:02.000Z,{actor},integration.update,\"integrations/\"\"quoted\"\",comma\",,success,10.0.0.1",
            $"1970-01-01T00:00:01.000Z,{actor},integration.create,integrations/plain,,success,10.0.0.1",
            "",
        ], lines);
    }

    [Fact]
    public async Task An_export_takes_the_time_range_is_audited_and_a_viewer_may_export()
    {
        using var http = await app.ClientAsync();
        using var viewer = await app.ClientWithRoleAsync("Viewer");
        var actor = await SeedAsync((1_000, "integration.create", "integrations/one"), (2_000, "integration.create", "integrations/two"));

        var csv = await (await viewer.GetAsync($"{Audit}:export?actor={Uri.EscapeDataString(actor)}&from=1970-01-01T00:00:01.5Z")).Content.ReadAsStringAsync();

        Assert.Equal(3, csv.Split("\r\n").Length); // header, one row, the final line end
        Assert.Contains("integrations/two", csv, StringComparison.Ordinal);
        var exports = await (await http.GetAsync($"{Audit}?action=audit.export&take=5")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(exports["items"]!.AsArray(), e => e!["actor"]!.GetValue<string>().StartsWith("client:", StringComparison.Ordinal) && e["target"]!.GetValue<string>() == "audit");
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("cr\r\nlf", "\"cr\r\nlf\"")]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@x", "'@x")]
    [InlineData("\tx", "'\tx")]
    [InlineData("=a,b", "\"'=a,b\"")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void A_cell_is_quoted_when_it_must_be_and_never_starts_a_formula(string? value, string cell) =>
        Assert.Equal(cell, AuditCsv.Cell(value));

    [Fact]
    public async Task An_export_beyond_its_limit_says_it_was_cut()
    {
        var rows = Enumerable.Range(0, AuditService.MaxExportRows + 1).Select(i => new AuditEventView(i, i, "a", "b", "c", null, "success", null)).ToAsyncEnumerable();
        var writer = new StringWriter(new StringBuilder());

        await AuditCsv.WriteAsync(rows, writer);

        var lines = writer.ToString().Split("\r\n");
        Assert.Equal(AuditService.MaxExportRows + 3, lines.Length); // header, the rows, the note, the final line end
        Assert.StartsWith("# truncated", lines[^2], StringComparison.Ordinal);
    }
}
