using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Security;

/// <summary>
/// Input that SQLite stores without complaint and PostgreSQL refuses (a NUL in text, a value longer than its column):
/// found by the fuzz figure on PostgreSQL as 500s. Runs on both stores; each is a 4xx or a stored audit row, never a 5xx.
/// </summary>
public sealed class StoreBoundaryTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Theory]
    [InlineData("nul\u0000name")]
    [InlineData("line\nbreak")]
    public async Task A_display_name_with_a_control_character_is_a_400_naming_the_field(string displayName)
    {
        using var admin = await app.ClientAsync();

        var problem = await (await admin.PostAsJsonAsync($"{Base}/api-clients", new { displayName, role = "Viewer" })).ExpectValidationAsync("displayName");

        Assert.Contains("control characters", problem.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_call_on_an_over_long_route_is_a_4xx_and_its_audit_row_is_cut_to_fit()
    {
        using var caller = app.CreateClient();
        caller.DefaultRequestHeaders.Authorization = new("Bearer", Portal.Core.Keys.SecretFormat.Mint(Portal.Core.Keys.KeyPrefixes.McpKey).Value);
        var longId = new string('a', 700) + "%01x";

        using var response = await caller.PostAsync($"/v1/tenants/{PortalApplication.Tenant}/integrations/{longId}/mcp:call", new StringContent("""{"jsonrpc":"2.0","id":"1","method":"ping"}""", Encoding.UTF8, "application/json"));

        Assert.InRange((int)response.StatusCode, 400, 499);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var rows = await db.AuditEvents.Where(a => a.Target.Contains("aaaaaaaaaa")).ToListAsync();
        Assert.All(rows, r => Assert.True(r.Target.Length <= AuditEvent.TargetLength && !r.Target.Contains('\u0000'), r.Target));
    }

    [Fact]
    public void An_audit_value_is_cut_to_its_column_and_loses_control_characters()
    {
        var fitted = AuditEvent.Fit("a\u0000" + new string('b', 600), AuditEvent.TargetLength)!;

        Assert.Equal(AuditEvent.TargetLength, fitted.Length);
        Assert.StartsWith("a\uFFFDb", fitted, StringComparison.Ordinal);
        Assert.EndsWith("…", fitted, StringComparison.Ordinal);
    }
}
