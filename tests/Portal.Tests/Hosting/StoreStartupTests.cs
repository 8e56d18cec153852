using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Portal.Core.Data;

namespace Portal.Tests.Hosting;

/// <summary>
/// A start on an existing database skips MigrateAsync and runs on a compiled SQLite model (issue 14, start time). What
/// those skipped at every start is checked here instead: the model has no change without its migration, on either store,
/// and the compiled model is the model; and the skip itself sees a missing migration.
/// </summary>
public sealed class StoreStartupTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "portal-tests", $"startup-{Guid.NewGuid():N}.db");

    [Fact]
    public void The_model_has_no_change_that_lacks_a_migration_on_either_store()
    {
        var sqlite = new DbContextOptionsBuilder<PortalDbContext>().UseSqlite("Data Source=:memory:").UseOpenIddict();
        var postgres = new DbContextOptionsBuilder<PortalDbContext>();
        PortalStore.UsePostgres(postgres, "Host=127.0.0.1;Database=never_opened");

        using var onSqlite = new PortalDbContext(sqlite.Options);
        using var onPostgres = new PortalDbContext(postgres.Options);

        Assert.False(onSqlite.Database.HasPendingModelChanges(), "SQLite: add a migration (README, A new migration), then run scripts/ef-compiled-model.sh");
        Assert.False(onPostgres.Database.HasPendingModelChanges(), "PostgreSQL: add a migration to src/Portal.Migrations.Postgres (README, A new migration)");
    }

    [Fact]
    public void The_compiled_sqlite_model_is_the_model()
    {
        var built = new DbContextOptionsBuilder<PortalDbContext>().UseSqlite("Data Source=:memory:").UseOpenIddict();
        var compiled = new DbContextOptionsBuilder<PortalDbContext>();
        PortalStore.UseSqlite(compiled, "Data Source=:memory:");

        using var fromCode = new PortalDbContext(built.Options);
        using var fromCompiled = new PortalDbContext(compiled.Options);
        Assert.IsType<Portal.Core.Data.CompiledModel.PortalDbContextModel>(fromCompiled.Model);
        Assert.Equal(Describe(fromCode.Model), Describe(fromCompiled.Model));
    }

    /// <summary>Tables, columns, keys, indexes and foreign keys of a model, as lines to compare (EF Core's differ needs design-time models).</summary>
    private static List<string> Describe(Microsoft.EntityFrameworkCore.Metadata.IModel model) =>
        model.GetRelationalModel().Tables.SelectMany(t => new[]
            {
                $"{t.Name} pk {string.Join(",", t.PrimaryKey?.Columns.Select(c => c.Name) ?? [])}",
            }
            .Concat(t.Columns.Select(c => $"{t.Name}.{c.Name} {c.StoreType} {(c.IsNullable ? "null" : "not null")}"))
            .Concat(t.Indexes.Select(i => $"{t.Name} index {i.Name} ({string.Join(",", i.Columns.Select(c => c.Name))}){(i.IsUnique ? " unique" : "")}"))
            .Concat(t.ForeignKeyConstraints.Select(f => $"{t.Name} fk {f.Name} -> {f.PrincipalTable.Name} {f.OnDeleteAction}")))
        .Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task A_store_at_this_builds_migrations_has_none_pending_and_a_missing_one_is_seen()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        PortalStore.UseSqlite(options, $"Data Source={_file}");
        await using var db = new PortalDbContext(options.Options);

        Assert.True(await PendingMigrations.AnyAsync(db, default)); // no history table yet
        await db.Database.MigrateAsync();
        Assert.False(await PendingMigrations.AnyAsync(db, default));

        var last = db.GetService<IMigrationsAssembly>().Migrations.Keys.Max()!;
        await db.Database.ExecuteSqlAsync($"DELETE FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" = {last}");
        Assert.True(await PendingMigrations.AnyAsync(db, default));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }
}
