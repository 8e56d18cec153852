using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

/// <summary>What must survive a restart of the portal on the same store.</summary>
public sealed class RestartTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "portal-tests", "restart-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_token_and_an_encrypted_credential_survive_a_restart()
    {
        string token;
        await using (var first = new PortalApplication(_data, keepData: true))
        {
            token = await first.TokenAsync(PortalApplication.AdminClientId, PortalApplication.AdminClientSecret);
            using var http = await first.ClientAsync();
            var created = await http.PostAsJsonAsync("/v1/tenants/default/integrations", new
            {
                id = "restart",
                displayName = "Restart",
                configMetadata = new
                {
                    authMetadata = new[]
                    {
                        new { id = "oauth", type = "OAUTH2", authSettings = new { parameters = new Dictionary<string, object> { ["authorizationUrl"] = "https://idp.example/authorize", ["tokenUrl"] = "https://idp.example/token", ["clientId"] = "portal", ["clientSecret"] = "restart-secret" } } },
                    },
                },
            });
            await created.ExpectAsync(HttpStatusCode.Created);
        }

        await using var second = new PortalApplication(_data, keepData: true);
        using var again = second.CreateClient();
        again.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var integration = await (await again.GetAsync("/v1/tenants/default/integrations/restart")).ExpectAsync(HttpStatusCode.OK);
        var secretState = integration["configMetadata"]!["authMetadata"]![0]!["authSettings"]!["secretParameters"]!["clientSecret"]!["set"]!.GetValue<bool>();
        Assert.True(secretState, "the encrypted client secret must still be readable (Data Protection key ring in the database)");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
