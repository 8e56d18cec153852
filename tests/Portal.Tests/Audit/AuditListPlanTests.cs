using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Audit;

/// <summary>
/// The audit log pages through indexes at any size (issue 14, "Lists at scale"): the total of the log or of one action
/// is read from the trigger-kept counts, every filter has an index that starts with it, and a page looks up only its own
/// rows. Asserted on the query plans (SQLite's, or PostgreSQL's in the PostgreSQL pass), and on what the list returns against the rows themselves.
/// </summary>
public sealed class AuditListPlanTests : IAsyncLifetime
{
    private const string Other = "other-tenant";
    private static readonly string[] Actions = ["integration.update", "key.rotate", "key.useRefused"];

    private readonly PortalApplication _app = new(Path.Combine(Path.GetTempPath(), "portal-tests", Guid.NewGuid().ToString("N")), keepData: false, postgres: TestPostgres.IsSelected);
    private QueryPlans _plans = null!;
    private AuditService _audit = null!;

    private static Actor Admin => new("plan-test", ActorKind.ApiClient, PortalApplication.Tenant, TenantRole.Admin, null);

    public async Task InitializeAsync()
    {
        await using (var db = await _app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            for (var i = 0; i < 240; i++)
            {
                var tenant = i % 6 == 5 ? Other : PortalApplication.Tenant;
                var actor = new Actor(i % 2 == 0 ? "alice" : "bob", ActorKind.User, tenant, TenantRole.Admin, null);
                db.AuditEvents.Add(AuditEvent.Of(actor, 1_000 + i, Actions[i % 3], $"integrations/crm-{i % 7}/configs/{i % 4}"));
            }

            await db.SaveChangesAsync();
            if (TestPostgres.IsSelected)
            {
                // A live log has statistics (autovacuum analyzes it); without them PostgreSQL guesses one row and picks any index.
                await db.Database.ExecuteSqlRawAsync("ANALYZE \"AuditEvents\"");
            }
        }

        _plans = new QueryPlans(_app);
        _audit = new AuditService(_plans, TimeProvider.System);
    }

    [Fact]
    public async Task An_unfiltered_page_walks_the_tenant_index_and_reads_its_total_from_the_counts()
    {
        var expected = await ExpectedAsync(_ => true);

        var page = await _audit.ListAsync(Admin, new AuditQuery(), Paging.From(0, 20));

        Assert.Equal(expected.Count, page.Total);
        Assert.Equal(expected.Take(20).Select(e => e.Id), page.Items.Select(e => e.Id));
        Assert.DoesNotContain(_plans.Statements, sql => sql.Contains("COUNT(", StringComparison.OrdinalIgnoreCase));
        var plan = await _plans.AssertNoScanAsync("AuditEvents");
        _plans.AssertUses(plan, "COVERING INDEX IX_AuditEvents_TenantId_At_Id (TenantId=?)", "IX_AuditEvents_TenantId_At_Id");
        _plans.AssertUses(plan, "USING INTEGER PRIMARY KEY (rowid=?)", "PK_AuditEvents");
    }

    [Theory]
    [InlineData("action", "IX_AuditEvents_TenantId_Action_At_Id (TenantId=? AND Action=?)")]
    [InlineData("actor", "IX_AuditEvents_TenantId_Actor_At_Id (TenantId=? AND Actor=?)")]
    [InlineData("target", "IX_AuditEvents_TenantId_Target (TenantId=? AND Target>? AND Target<?)")]
    public async Task A_filtered_page_searches_the_index_that_starts_with_its_filter(string filter, string index)
    {
        var (query, matches) = filter switch
        {
            "action" => (new AuditQuery(Action: "key.rotate"), (Func<AuditEvent, bool>)(e => e.Action == "key.rotate")),
            "actor" => (new AuditQuery(Actor: "bob"), e => e.Actor == "bob"),
            _ => (new AuditQuery(Target: "integrations/crm-3"), e => e.Target.StartsWith("integrations/crm-3", StringComparison.Ordinal)),
        };
        var expected = await ExpectedAsync(matches);
        Assert.InRange(expected.Count, 20, 200);

        var page = await _audit.ListAsync(Admin, query, Paging.From(5, 10));

        Assert.Equal(expected.Count, page.Total);
        Assert.Equal(expected.Skip(5).Take(10).Select(e => e.Id), page.Items.Select(e => e.Id));
        var plan = await _plans.AssertNoScanAsync("AuditEvents");
        _plans.AssertUses(plan, index, postgresIndex: null);
        Assert.Equal(filter == "action", !_plans.Statements.Any(sql => sql.Contains("COUNT(", StringComparison.OrdinalIgnoreCase)));
    }

    [Theory]
    [InlineData(null, "COVERING INDEX IX_AuditEvents_TenantId_At_Id (TenantId=? AND At>? AND At<?)")]
    [InlineData("action", "COVERING INDEX IX_AuditEvents_TenantId_Action_At_Id (TenantId=? AND Action=? AND At>? AND At<?)")]
    [InlineData("actor", "COVERING INDEX IX_AuditEvents_TenantId_Actor_At_Id (TenantId=? AND Actor=? AND At>? AND At<?)")]
    public async Task A_time_range_is_a_range_of_the_filters_index_and_needs_no_sort(string? filter, string index)
    {
        var (query, matches) = filter switch
        {
            "action" => (new AuditQuery(Action: "key.rotate", From: 1_040, To: 1_200), (Func<AuditEvent, bool>)(e => e.Action == "key.rotate")),
            "actor" => (new AuditQuery(Actor: "bob", From: 1_040, To: 1_200), e => e.Actor == "bob"),
            _ => (new AuditQuery(From: 1_040, To: 1_200), _ => true),
        };
        var expected = await ExpectedAsync(e => matches(e) && e.At >= 1_040 && e.At < 1_200);
        Assert.InRange(expected.Count, 20, 200);

        var page = await _audit.ListAsync(Admin, query, Paging.From(3, 10));

        Assert.Equal(expected.Count, page.Total);
        Assert.Equal(expected.Skip(3).Take(10).Select(e => e.Id), page.Items.Select(e => e.Id));
        var plan = await _plans.AssertNoScanAsync("AuditEvents");
        _plans.AssertUses(plan, index, postgresIndex: null);
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal)); // the index gives the order
    }

    [Fact]
    public async Task An_export_streams_the_filter_in_index_order()
    {
        var expected = await ExpectedAsync(e => e.Action == "key.rotate" && e.At >= 1_040);

        var rows = await _audit.ExportAsync(Admin, new AuditQuery(Action: "key.rotate", From: 1_040)).ToListAsync();

        Assert.Equal(expected.Select(e => e.Id), rows.Select(e => e.Id));
        var plan = await _plans.AssertNoScanAsync("AuditEvents");
        _plans.AssertUses(plan, "IX_AuditEvents_TenantId_Action_At_Id (TenantId=? AND Action=? AND At>?)", postgresIndex: null);
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_target_prefix_is_matched_with_its_case_and_not_beyond_it()
    {
        var lower = await _audit.ListAsync(Admin, new AuditQuery(Target: "integrations/crm-1"), Paging.From(0, 500));
        var upper = await _audit.ListAsync(Admin, new AuditQuery(Target: "INTEGRATIONS/crm-1"), Paging.From(0, 500));

        Assert.Equal((await ExpectedAsync(e => e.Target.StartsWith("integrations/crm-1", StringComparison.Ordinal))).Count, lower.Total);
        Assert.All(lower.Items, e => Assert.StartsWith("integrations/crm-1/", e.Target, StringComparison.Ordinal));
        Assert.Equal(0, upper.Total);
    }

    [Fact]
    public async Task A_deep_page_is_the_same_rows_as_the_plain_offset_and_never_another_tenants()
    {
        var expected = await ExpectedAsync(_ => true);

        var page = await _audit.ListAsync(Admin, new AuditQuery(), Paging.From(150, 30));

        Assert.Equal(expected.Skip(150).Take(30).Select(e => e.Id), page.Items.Select(e => e.Id));
        var others = await _audit.ListAsync(Admin with { TenantId = Other }, new AuditQuery(Action: "key.useRefused"), Paging.From(0, 500));
        Assert.Equal(40, others.Total); // every sixth seeded row, all of them key.useRefused
        Assert.Equal(40, others.Items.Count);
        Assert.DoesNotContain(others.Items, e => page.Items.Any(p => p.Id == e.Id));
    }

    [Fact]
    public async Task Totals_stay_exact_when_many_connections_write_at_once()
    {
        var factory = _app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        var before = await ExpectedAsync(_ => true);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await using var db = await factory.CreateDbContextAsync();
                db.AuditEvents.Add(AuditEvent.Of(Admin, 5_000 + i, Actions[writer % 3], $"integrations/writer-{writer}"));
                db.AuditEvents.Add(AuditEvent.Of(Admin, 5_000 + i, "key.rotate", $"integrations/writer-{writer}"));
                await db.SaveChangesAsync();
            }
        })));

        var all = await _audit.ListAsync(Admin, new AuditQuery(), Paging.From(0, 1));
        var rotations = await _audit.ListAsync(Admin, new AuditQuery(Action: "key.rotate"), Paging.From(0, 1));
        Assert.Equal(before.Count + 160, all.Total);
        Assert.Equal((await ExpectedAsync(e => e.Action == "key.rotate")).Count, rotations.Total);
    }

    /// <summary>The tenant's rows that match, newest first, read plainly (no counts, no index tricks).</summary>
    private async Task<List<AuditEvent>> ExpectedAsync(Func<AuditEvent, bool> matches)
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var all = await db.AuditEvents.AsNoTracking().Where(e => e.TenantId == PortalApplication.Tenant).ToListAsync();
        _plans.Clear();
        return all.Where(matches).OrderByDescending(e => e.At).ThenByDescending(e => e.Id).ToList();
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }
}
