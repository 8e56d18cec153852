using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.ApiClients;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Keys;

namespace Portal.Core.Tenancy;

/// <summary>Migrates the store and makes sure the bootstrap tenant, admin and API client exist. Idempotent: runs at every start.</summary>
public sealed class Bootstrapper(
    IDbContextFactory<PortalDbContext> dbFactory,
    UserManager<PortalUser> users,
    ApiClientService apiClients,
    KeyEngine keys,
    IOptions<PortalOptions> options,
    TimeProvider time,
    ILogger<Bootstrapper> logger)
{
    /// <summary>Runs once per start; instances starting together on one PostgreSQL take turns.</summary>
    public async Task RunAsync(CancellationToken ct = default)
    {
        try
        {
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                await PostgresDatabase.EnsureExistsAsync(db, ct);
            }

            // Migrations run inside the bootstrap lock: with two or more pending, EF Core's own migration lock let two
            // instances starting together on PostgreSQL both apply the later ones ("relation already exists"). The
            // instance that waited finds nothing pending. A store already at this build's migrations (every start but the
            // first after an upgrade) skips MigrateAsync, whose checks cost about half a second of a start (PendingMigrations).
            await StoreLocks.RunExclusiveAsync(dbFactory, StoreLocks.Bootstrap, async () =>
            {
                await using (var db = await dbFactory.CreateDbContextAsync(ct))
                {
                    if (await PendingMigrations.AnyAsync(db, ct))
                    {
                        await db.Database.MigrateAsync(ct);
                    }
                }

                await RunAloneAsync(ct);
            }, ct);
        }
        catch (Exception e) when (StoreFailures.IsUnreachable(e))
        {
            throw new StoreConfigurationException($"The database cannot be reached ({StoreFailures.Describe(dbFactory)}): {StoreFailures.Reason(e)}", e);
        }
    }

    private async Task RunAloneAsync(CancellationToken ct)
    {
        var settings = options.Value.Bootstrap;
        if (!TenantIds.IsValid(settings.Tenant))
        {
            throw new InvalidOperationException("Portal:Bootstrap:Tenant must match ^[A-Za-z0-9_-]{1,64}$.");
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (db.Database.IsSqlite())
            {
                // WAL: readers never wait for the writer and a commit is one append, not a journal rewrite with
                // several fsyncs: what keeps webhook ingest (a write per delivery) close to a bare endpoint.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            }
        }

        // The admin account (a password hash to check) and the key backfill need nothing of the rest, each on a context
        // of its own: they run alongside the tenant rows and the API client, which needs its tenant row. All of it is
        // done before the app listens.
        // (Task.Run: a query is compiled before its first await, which would otherwise happen on this thread.)
        var alongside = Task.WhenAll(Task.Run(() => keys.BackfillLookupHashesAsync(ct), ct), Task.Run(() => EnsureAdminAsync(settings, ct), ct));
        try
        {
            await EnsureTenantRowsAsync(settings, ct);
            if (!string.IsNullOrEmpty(settings.ApiClientId) && !string.IsNullOrEmpty(settings.ApiClientSecret))
            {
                await apiClients.EnsureAsync(settings.Tenant, settings.ApiClientId, settings.ApiClientSecret, ct);
            }
        }
        finally
        {
            await alongside;
        }
    }

    private async Task EnsureTenantRowsAsync(BootstrapOptions settings, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Tenants.AnyAsync(t => t.Id == settings.Tenant, ct))
        {
            db.Tenants.Add(new Tenant { Id = settings.Tenant, DisplayName = settings.Tenant, CreatedAt = time.NowMs() });
        }

        var email = settings.AdminEmail.ToUpperInvariant();
        if (!await db.Memberships.AnyAsync(m => m.TenantId == settings.Tenant && m.Email == email, ct))
        {
            db.Memberships.Add(new Membership { TenantId = settings.Tenant, Email = email, Role = TenantRole.Admin, CreatedAt = time.NowMs() });
        }

        if (!await db.PortalAdministrators.AnyAsync(a => a.Email == email, ct))
        {
            db.PortalAdministrators.Add(new PortalAdministrator { Email = email });
        }

        await db.SaveChangesAsync(ct);
    }

    private async Task EnsureAdminAsync(BootstrapOptions settings, CancellationToken ct)
    {
        var user = await users.FindByEmailAsync(settings.AdminEmail);
        if (user is null)
        {
            var password = string.IsNullOrEmpty(settings.AdminPassword) ? GeneratedPasswords.New() : settings.AdminPassword;
            user = new PortalUser { UserName = settings.AdminEmail, Email = settings.AdminEmail, EmailConfirmed = true };
            Check(await users.CreateAsync(user, password));
            if (string.IsNullOrEmpty(settings.AdminPassword))
            {
                // Printed once, to the console only (not the log pipeline), on a fresh database.
                await Console.Out.WriteLineAsync($"""

                    ================================================================
                      Portal bootstrap admin created. Sign in with:
                        e-mail:   {settings.AdminEmail}
                        password: {password}
                      This password is shown only now. Change it after signing in.
                    ================================================================

                    """.AsMemory(), ct);
            }

            logger.LogInformation("Bootstrap admin {Email} created", settings.AdminEmail);
        }
        else if (!string.IsNullOrEmpty(settings.AdminPassword) && !await users.CheckPasswordAsync(user, settings.AdminPassword))
        {
            // Configuration is authoritative when it names a password.
            var token = await users.GeneratePasswordResetTokenAsync(user);
            Check(await users.ResetPasswordAsync(user, token, settings.AdminPassword));
        }
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Bootstrap admin could not be saved: " + string.Join("; ", result.Errors.Select(e => e.Description)));
        }
    }
}
