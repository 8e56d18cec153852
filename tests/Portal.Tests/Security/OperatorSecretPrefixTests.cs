using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Hosting;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Security;

/// <summary>
/// The bootstrap API client's secret is the operator's (Portal:Bootstrap:ApiClientSecret), not minted by the portal:
/// lists and the audit log show a fingerprint of it, never any of its characters.
/// </summary>
public sealed class OperatorSecretPrefixTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string ApiClients = "/v1/tenants/default/api-clients";

    private static readonly string Fingerprint =
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(PortalApplication.AdminClientSecret)))[..8];

    // The old display was the first 12 characters, "pcs_test-adm". ("test-admin" alone is the client id, which is shown.)
    private static void AssertNoSecretCharacters(string text)
    {
        Assert.DoesNotContain(PortalApplication.AdminClientSecret[..8], text, StringComparison.Ordinal);
        Assert.DoesNotContain("admin-secret", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_clients_list_shows_a_fingerprint_of_an_operator_supplied_secret()
    {
        using var admin = await app.ClientAsync();
        using var response = await admin.GetAsync(ApiClients);
        var text = await response.Content.ReadAsStringAsync();
        var page = await response.ExpectAsync(HttpStatusCode.OK);

        var bootstrap = page["items"]!.AsArray().Single(c => c!["clientId"]!.GetValue<string>() == PortalApplication.AdminClientId)!;
        Assert.Equal(Fingerprint, bootstrap["secretPrefix"]!.GetValue<string>());
        AssertNoSecretCharacters(text);
    }

    [Fact]
    public async Task The_audit_log_shows_the_same_fingerprint()
    {
        using var admin = await app.ClientAsync();
        using var response = await admin.GetAsync($"/v1/tenants/default/audit?target=api-clients/{PortalApplication.AdminClientId}");
        var text = await response.Content.ReadAsStringAsync();
        var page = await response.ExpectAsync(HttpStatusCode.OK);

        var created = page["items"]!.AsArray().Single(e => e!["action"]!.GetValue<string>() == "apiClient.create")!;
        Assert.Equal(Fingerprint, created["keyPrefix"]!.GetValue<string>());
        AssertNoSecretCharacters(text);
    }

    [Fact]
    public async Task A_prefix_stored_before_fingerprints_is_replaced_at_the_next_start()
    {
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            await db.ApiClients.Where(c => c.ClientId == PortalApplication.AdminClientId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.SecretPrefix, PortalApplication.AdminClientSecret[..12]));
        }

        await app.Services.RunPortalBootstrapAsync();

        using var admin = await app.ClientAsync();
        var text = await (await admin.GetAsync(ApiClients)).Content.ReadAsStringAsync();
        Assert.Contains(Fingerprint, text, StringComparison.Ordinal);
        AssertNoSecretCharacters(text);
    }
}
