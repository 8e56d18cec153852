using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portal.Core.Data;

/// <summary>Which database holds the one store.</summary>
public enum StoreProvider
{
    /// <summary>The embedded default: one SQLite file, one instance.</summary>
    Sqlite,

    /// <summary>One PostgreSQL database shared by any number of instances.</summary>
    Postgres,
}

/// <summary>Registers the one store (<see cref="PortalDbContext"/>) on the configured provider.</summary>
public static class PortalStore
{
    /// <summary>The assembly that holds the PostgreSQL migrations (the SQLite ones live in Portal.Core).</summary>
    public const string PostgresMigrationsAssembly = "Portal.Migrations.Postgres";

    public static StoreProvider Provider(IConfiguration configuration)
    {
        var provider = configuration["Database:Provider"];
        if (string.IsNullOrWhiteSpace(provider) || provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return StoreProvider.Sqlite;
        }

        if (provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase) || provider.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase))
        {
            return StoreProvider.Postgres;
        }

        throw new StoreConfigurationException($"Database:Provider '{provider}' is not known; use Sqlite (the default) or Postgres.");
    }

    public static IServiceCollection AddPortalStore(this IServiceCollection services, IConfiguration configuration, string contentRootPath)
    {
        var provider = Provider(configuration);
        var connectionString = configuration.GetConnectionString("Portal");
        if (provider == StoreProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new StoreConfigurationException("Database:Provider is Postgres but ConnectionStrings:Portal is empty; set it, e.g. \"Host=db;Database=portal;Username=portal;Password=…\".");
            }

            services.AddDbContextFactory<PortalDbContext>((sp, o) => UsePostgres(o, connectionString).AddInterceptors(sp.GetRequiredService<ChangeAnnouncer>()));
            services.AddHostedService(sp => new PostgresChangeListener(
                sp.GetRequiredService<ChangeFeed>(), connectionString, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresChangeListener>>()));
        }
        else
        {
            connectionString = SqliteConnectionString(configuration, contentRootPath);
            services.AddDbContextFactory<PortalDbContext>((sp, o) => UseSqlite(o, connectionString).AddInterceptors(sp.GetRequiredService<ChangeAnnouncer>()));
        }

        services.AddSingleton(new StoreInfo(provider));
        services.AddSingleton<ChangeFeed>();
        services.AddSingleton<ChangeAnnouncer>();
        services.AddSingleton<SharedRateLimiter>(); // per-key and per-address budgets: in memory on SQLite, shared on PostgreSQL
        return services;
    }

    /// <summary>The SQLite store's connection string: <c>ConnectionStrings:Portal</c>, or <c>portal.db</c> in <c>Portal:DataDirectory</c> (default <c>data</c> under the content root, created).</summary>
    public static string SqliteConnectionString(IConfiguration configuration, string contentRootPath)
    {
        var connectionString = configuration.GetConnectionString("Portal");
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return connectionString;
        }

        var dataDirectory = configuration["Portal:DataDirectory"];
        if (string.IsNullOrWhiteSpace(dataDirectory))
        {
            dataDirectory = Path.Combine(contentRootPath, "data");
        }

        Directory.CreateDirectory(dataDirectory);
        return $"Data Source={Path.Combine(dataDirectory, "portal.db")}";
    }

    public static DbContextOptionsBuilder UseSqlite(DbContextOptionsBuilder options, string connectionString)
    {
        options.UseSqlite(connectionString).UseOpenIddict().AddInterceptors(new SqliteTuning(), new StoreWriteGateInterceptor())
            .ReplaceService<IRelationalTransactionFactory, GatedTransactionFactory>();
        return SqliteCompiledModel.Value is { } model ? options.UseModel(model) : options;
    }

    /// <summary>
    /// The SQLite model compiled ahead of time (<c>Data/CompiledModel</c>, made by <c>scripts/ef-compiled-model.sh</c>): building
    /// the model at run time was about half of a start. Found by name, so the script can delete and regenerate it while
    /// this still builds; <c>CompiledModelTests</c> fails when it no longer matches the model. PostgreSQL builds its model at run time.
    /// </summary>
    private static readonly Lazy<Microsoft.EntityFrameworkCore.Metadata.IModel?> SqliteCompiledModel = new(() =>
        typeof(PortalStore).Assembly.GetType("Portal.Core.Data.CompiledModel.PortalDbContextModel")?.GetProperty("Instance")?.GetValue(null) as Microsoft.EntityFrameworkCore.Metadata.IModel);

    public static DbContextOptionsBuilder UsePostgres(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(PostgresMigrationsAssembly)).UseOpenIddict();
}

/// <summary>The provider this instance runs on, for the few places that differ (notifications, locks).</summary>
public sealed record StoreInfo(StoreProvider Provider)
{
    public bool IsPostgres => Provider == StoreProvider.Postgres;
}

/// <summary>The store cannot be configured or reached at start: reported in one line, never as a stack trace.</summary>
public sealed class StoreConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
