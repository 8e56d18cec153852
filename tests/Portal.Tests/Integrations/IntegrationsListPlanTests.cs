using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Integrations;

/// <summary>
/// The integrations list (API and page, one Core query) pages through the primary key and reads its total from the
/// trigger-kept count (issue 14, "Lists at scale"): asserted on the store's plan and on the totals users see.
/// </summary>
public sealed class IntegrationsListPlanTests : IAsyncLifetime
{
    private readonly PortalApplication _app = new(Path.Combine(Path.GetTempPath(), "portal-tests", Guid.NewGuid().ToString("N")), keepData: false, postgres: TestPostgres.IsSelected);
    private QueryPlans _plans = null!;
    private IntegrationService _integrations = null!;

    private static Actor Admin => new("plan-test", ActorKind.ApiClient, PortalApplication.Tenant, TenantRole.Admin, null);

    public async Task InitializeAsync()
    {
        await using (var db = await _app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            foreach (var (tenant, count) in new[] { (PortalApplication.Tenant, 60), ("other-tenant", 7) })
            {
                for (var i = 0; i < count; i++)
                {
                    var tag = i % 2 == 0 ? "even" : "odd";
                    db.Integrations.Add(new Integration
                    {
                        TenantId = tenant, Id = $"int-{i:D3}", DisplayName = $"Integration {i}", MetadataJson = "{}",
                        Tags = $"|{tag}|", SearchText = $"int-{i:D3} integration {i}", Version = Guid.NewGuid(),
                    });
                    db.Set<IntegrationTag>().Add(new IntegrationTag { TenantId = tenant, Tag = tag, IntegrationId = $"int-{i:D3}" });
                }
            }

            await db.SaveChangesAsync();
        }

        _plans = new QueryPlans(_app);
        _integrations = ActivatorUtilities.CreateInstance<IntegrationService>(_app.Services, (IDbContextFactory<PortalDbContext>)_plans);
    }

    [Fact]
    public async Task The_first_page_walks_the_primary_key_in_order_and_the_total_is_not_counted()
    {
        var page = await _integrations.ListAsync(Admin, new IntegrationQuery(), Paging.From(0, 25));

        Assert.Equal(60, page.Total);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"int-{i:D3}"), page.Items.Select(i => i.Id));
        Assert.DoesNotContain(_plans.Statements, sql => sql.Contains("COUNT(", StringComparison.OrdinalIgnoreCase));
        var plan = await _plans.AssertNoScanAsync("Integrations");
        _plans.AssertUses(plan, "USING INDEX sqlite_autoindex_Integrations_1 (TenantId=?)", "PK_Integrations");
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal)); // SQLite: the key's order is the list's order
    }

    [Fact]
    public async Task A_tag_filter_searches_the_tag_index_and_reads_only_those_integrations()
    {
        var page = await _integrations.ListAsync(Admin, new IntegrationQuery(Tag: "odd"), Paging.From(0, 10));

        Assert.Equal(30, page.Total);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"int-{2 * i + 1:D3}"), page.Items.Select(i => i.Id));
        Assert.All(page.Items, i => Assert.Equal(["odd"], i.Tags));
        Assert.DoesNotContain(_plans.Statements, sql => sql.Contains("instr(", StringComparison.OrdinalIgnoreCase));
        var plan = await _plans.AssertNoScanAsync("Integrations");
        _plans.AssertUses(plan, "INDEX sqlite_autoindex_IntegrationTags_1 (TenantId=? AND Tag=?)", postgresIndex: null);
        _plans.AssertUses(plan, "sqlite_autoindex_Integrations_1 (TenantId=? AND Id=?)", postgresIndex: null);
    }

    [Fact]
    public async Task Tags_set_through_the_api_are_what_the_filter_finds_after_create_update_and_delete()
    {
        using var admin = await _app.ClientAsync();
        await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/integrations", ApiTestData.SmallIntegration("tagged", tags: ["blue", "green"]))).ExpectAsync(HttpStatusCode.Created);
        await (await admin.PatchAsJsonAsync($"{ApiTestData.Base}/integrations/tagged", new { tags = new[] { "green", "red" } })).ExpectAsync(HttpStatusCode.OK);

        async Task<string[]> TaggedAsync(string tag) =>
            [.. (await (await admin.GetAsync($"{ApiTestData.Base}/integrations?tag={tag}")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>())];

        Assert.Empty(await TaggedAsync("blue"));
        Assert.Equal(["tagged"], await TaggedAsync("green"));
        Assert.Equal(["tagged"], await TaggedAsync("red"));
        await (await admin.DeleteAsync($"{ApiTestData.Base}/integrations/tagged")).ExpectAsync(HttpStatusCode.NoContent);
        Assert.Empty(await TaggedAsync("green"));
    }

    [Fact]
    public async Task The_total_follows_creates_and_deletes_through_the_api_and_stays_per_tenant()
    {
        using var admin = await _app.ClientAsync();
        for (var i = 0; i < 3; i++)
        {
            await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/integrations", ApiTestData.SmallIntegration($"api-{i}"))).ExpectAsync(HttpStatusCode.Created);
        }

        await (await admin.DeleteAsync($"{ApiTestData.Base}/integrations/int-000")).ExpectAsync(HttpStatusCode.NoContent);
        var list = await (await admin.GetAsync($"{ApiTestData.Base}/integrations?take=1")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(62, list["total"]!.GetValue<int>());
        var other = await _integrations.ListAsync(Admin with { TenantId = "other-tenant" }, new IntegrationQuery(), Paging.From(0, 50));
        Assert.Equal(7, other.Total);
        Assert.Equal(7, other.Items.Count);
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }
}
