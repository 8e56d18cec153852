using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Webhooks;

/// <summary>
/// The inbox of a config pages through the (TenantId, ConfigId, Id) index and reads its total from the trigger-kept
/// count (issue 14, "Lists at scale"), whoever stored the events: the receiver, a duplicate it ignored, a deleted config.
/// </summary>
public sealed class WebhookInboxPlanTests : IAsyncLifetime
{
    private readonly PortalApplication _app = new(Path.Combine(Path.GetTempPath(), "portal-tests", Guid.NewGuid().ToString("N")), keepData: false, postgres: TestPostgres.IsSelected);
    private QueryPlans _plans = null!;
    private WebhookService _webhooks = null!;
    private HttpClient _admin = null!;
    private string _integration = "", _config = "";

    private static Actor Admin => new("plan-test", ActorKind.ApiClient, PortalApplication.Tenant, TenantRole.Admin, null);

    public async Task InitializeAsync()
    {
        _admin = await _app.ClientAsync();
        (_integration, _config) = await _admin.NewConfigAsync();
        var url = await _admin.GeneratedUrlAsync(_integration, _config);
        using var provider = _app.CreateClient();
        foreach (var id in new[] { "evt_1", "evt_2", "evt_1", "evt_3" })
        {
            using var delivery = new HttpRequestMessage(HttpMethod.Post, new Uri(url).PathAndQuery) { Content = new StringContent($$"""{"id":"{{id}}"}""", Encoding.UTF8, "application/json") };
            delivery.Headers.Add("webhook-id", id);
            await (await provider.SendAsync(delivery)).ExpectAsync(HttpStatusCode.Accepted);
        }

        var (_, otherConfig) = await _admin.NewConfigAsync();
        await using (var db = await _app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            foreach (var (config, count) in new[] { (Guid.Parse(_config), 100), (Guid.Parse(otherConfig), 20) })
            {
                for (var i = 0; i < count; i++)
                {
                    var json = i % 2 == 0;
                    db.WebhookEvents.Add(new WebhookEvent
                    {
                        TenantId = PortalApplication.Tenant, IntegrationId = _integration, ConfigId = config, WebhookId = $"bulk_{i}", ReceivedAt = i, Body = [(byte)'{', (byte)'}'],
                        ContentType = json ? "application/json; charset=utf-8" : "text/plain", MediaType = json ? "application/json" : "text/plain",
                    });
                }
            }

            await db.SaveChangesAsync();
        }

        _plans = new QueryPlans(_app);
        _webhooks = ActivatorUtilities.CreateInstance<WebhookService>(_app.Services, (IDbContextFactory<PortalDbContext>)_plans);
    }

    [Fact]
    public async Task A_page_reads_its_ids_from_the_config_index_and_its_total_from_the_count()
    {
        var page = (await _webhooks.ListEventsAsync(Admin, _integration, Guid.Parse(_config), Paging.From(40, 25))).Value!;

        Assert.Equal(103, page.Total); // three distinct deliveries (the repeated webhook-id is not a row) and the hundred stored
        Assert.Equal(25, page.Items.Count);
        Assert.Equal(page.Items.OrderByDescending(e => e.ReceivedAt).ThenByDescending(e => e.Id).Select(e => e.Id), page.Items.Select(e => e.Id));
        Assert.DoesNotContain(_plans.Statements, sql => sql.Contains("COUNT(", StringComparison.OrdinalIgnoreCase));
        var plan = await _plans.AssertNoScanAsync("WebhookEvents");
        _plans.AssertUses(plan, "COVERING INDEX IX_WebhookEvents_TenantId_ConfigId_ReceivedAt_Id (TenantId=? AND ConfigId=?)", "IX_WebhookEvents_TenantId_ConfigId_ReceivedAt_Id");
        _plans.AssertUses(plan, "USING INTEGER PRIMARY KEY (rowid=?)", "PK_WebhookEvents");
    }

    [Theory]
    [InlineData("contentType", "COVERING INDEX IX_WebhookEvents_TenantId_ConfigId_MediaType_ReceivedAt_Id (TenantId=? AND ConfigId=? AND MediaType=?)")]
    [InlineData("time", "COVERING INDEX IX_WebhookEvents_TenantId_ConfigId_ReceivedAt_Id (TenantId=? AND ConfigId=? AND ReceivedAt>? AND ReceivedAt<?)")]
    [InlineData("both", "COVERING INDEX IX_WebhookEvents_TenantId_ConfigId_MediaType_ReceivedAt_Id (TenantId=? AND ConfigId=? AND MediaType=? AND ReceivedAt>? AND ReceivedAt<?)")]
    public async Task A_filtered_page_is_a_range_of_the_filters_index_and_needs_no_sort(string filter, string index)
    {
        var (query, matches) = filter switch
        {
            "contentType" => (new WebhookEventQuery(ContentType: "application/json"), (Func<WebhookEvent, bool>)(e => e.MediaType == "application/json")),
            "time" => (new WebhookEventQuery(From: 10, To: 70), e => e.ReceivedAt is >= 10 and < 70),
            _ => (new WebhookEventQuery(From: 10, To: 70, ContentType: "application/json"), e => e.MediaType == "application/json" && e.ReceivedAt is >= 10 and < 70),
        };
        List<long> expected;
        await using (var db = await _app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var config = Guid.Parse(_config);
            var all = await db.WebhookEvents.AsNoTracking().Where(e => e.ConfigId == config).ToListAsync();
            expected = all.Where(matches).OrderByDescending(e => e.ReceivedAt).ThenByDescending(e => e.Id).Select(e => e.Id).ToList();
        }

        Assert.InRange(expected.Count, 20, 80);
        _plans.Clear();

        var page = (await _webhooks.ListEventsAsync(Admin, _integration, Guid.Parse(_config), query, Paging.From(5, 10))).Value!;

        Assert.Equal(expected.Count, page.Total);
        Assert.Equal(expected.Skip(5).Take(10), page.Items.Select(e => e.Id));
        var plan = await _plans.AssertNoScanAsync("WebhookEvents");
        _plans.AssertUses(plan, index, postgresIndex: null);
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal)); // the index gives the order
    }

    [Fact]
    public async Task The_live_poll_is_one_seek_in_the_filters_index()
    {
        var newest = (await _webhooks.NewestEventIdAsync(Admin, _integration, Guid.Parse(_config), new WebhookEventQuery(ContentType: "application/json"))).Value;

        await using (var db = await _app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var config = Guid.Parse(_config);
            var expected = await db.WebhookEvents.Where(e => e.ConfigId == config && e.MediaType == "application/json")
                .OrderByDescending(e => e.ReceivedAt).ThenByDescending(e => e.Id).Select(e => e.Id).FirstAsync();
            Assert.Equal(expected, newest);
        }

        var plan = await _plans.AssertNoScanAsync("WebhookEvents");
        _plans.AssertUses(plan, "COVERING INDEX IX_WebhookEvents_TenantId_ConfigId_MediaType_ReceivedAt_Id (TenantId=? AND ConfigId=? AND MediaType=?)", postgresIndex: null);
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal));
        Assert.DoesNotContain(_plans.Statements, sql => sql.Contains("COUNT(", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_api_pages_are_the_same_rows_as_a_plain_offset()
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var config = Guid.Parse(_config);
        var expected = await db.WebhookEvents.Where(e => e.ConfigId == config).OrderByDescending(e => e.ReceivedAt).ThenByDescending(e => e.Id).Select(e => e.Id).Skip(90).Take(20).ToListAsync();

        var page = await (await _admin.GetAsync($"{ConfigPath(_integration, _config)}/webhook/events?skip=90&take=20")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(103, page["total"]!.GetValue<int>());
        Assert.Equal(expected, page["items"]!.AsArray().Select(e => e!["id"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Deleting_the_config_counts_its_events_down_to_zero()
    {
        await (await _admin.DeleteAsync(ConfigPath(_integration, _config))).ExpectAsync(HttpStatusCode.NoContent);

        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var config = Guid.Parse(_config);
        Assert.Equal(0, await db.WebhookEvents.CountAsync(e => e.ConfigId == config));
        Assert.Equal(0, await db.Set<WebhookEventCount>().Where(c => c.ConfigId == config).SumAsync(c => c.Count));
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        _app.Dispose();
        return Task.CompletedTask;
    }
}
