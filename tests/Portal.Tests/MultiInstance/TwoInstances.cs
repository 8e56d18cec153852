using Portal.Tests.Infrastructure;

namespace Portal.Tests.MultiInstance;

/// <summary>
/// Two instances of one portal: two apps (each with its own in-process caches, limiters and background services) on one
/// PostgreSQL database of the throwaway cluster, started together as a load balancer would see them. Always PostgreSQL.
/// </summary>
public class TwoInstances : IAsyncLifetime
{
    public string Database { get; } = TestPostgres.NewDatabaseName();

    public PortalApplication A { get; private set; } = null!;

    public PortalApplication B { get; private set; } = null!;

    /// <summary>Extra settings for both instances (set before the first test, e.g. by a derived fixture).</summary>
    protected virtual Dictionary<string, string> Settings => [];

    /// <summary>Service replacements for both instances (see <see cref="PortalApplication.TestServices"/>).</summary>
    protected virtual Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? TestServices => null;

    public async Task InitializeAsync()
    {
        A = PortalApplication.OnPostgres(Database, Settings, testServices: TestServices);
        B = PortalApplication.OnPostgres(Database, Settings, testServices: TestServices);
        // Both start at once: migrations and the bootstrap take turns, neither fails.
        await Task.WhenAll(Task.Run(() => A.Services), Task.Run(() => B.Services));
    }

    /// <summary>POSTs a small JSON delivery to a webhook URL on one instance, as a provider behind the load balancer would.</summary>
    public static async Task<System.Net.HttpStatusCode> DeliverAsync(PortalApplication instance, string webhookUrl)
    {
        using var http = instance.CreateClient();
        using var response = await http.PostAsync(new Uri(webhookUrl).PathAndQuery, new System.Net.Http.StringContent("""{"event":"ping"}""", System.Text.Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await TestPostgres.Server.DropDatabaseAsync(Database);
    }
}
