using System.Net;
using Microsoft.Data.Sqlite;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.ApiClients;

/// <summary>
/// A start verifies the configured bootstrap client secret against the stored hash and re-keys the client only when it
/// differs (issue 14: no hash and write at every start); configuration stays authoritative either way.
/// </summary>
public sealed class BootstrapClientSecretTests : IDisposable
{
    private const string NewSecret = "pcs_a-new-operator-secret-for-the-restart";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "portal-tests", "bootstrap-secret-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_changed_configured_secret_replaces_the_old_one_at_the_next_start_and_an_unchanged_one_keeps_working()
    {
        await using (var first = new PortalApplication(_data, keepData: true))
        {
            Assert.False(string.IsNullOrEmpty(await first.TokenAsync(PortalApplication.AdminClientId, PortalApplication.AdminClientSecret)));
        }

        SqliteConnection.ClearAllPools();
        await using (var same = new PortalApplication(_data, keepData: true))
        {
            Assert.False(string.IsNullOrEmpty(await same.TokenAsync(PortalApplication.AdminClientId, PortalApplication.AdminClientSecret)));
        }

        SqliteConnection.ClearAllPools();
        await using var changed = new PortalApplication(_data, keepData: true) { Settings = { ["Portal:Bootstrap:ApiClientSecret"] = NewSecret } };
        Assert.False(string.IsNullOrEmpty(await changed.TokenAsync(PortalApplication.AdminClientId, NewSecret)));
        using var http = changed.CreateClient();
        using var old = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = PortalApplication.AdminClientId,
            ["client_secret"] = PortalApplication.AdminClientSecret,
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode); // invalid_client: the old secret no longer matches
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
