using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Portal.Core.ApiClients;
using Portal.Core.Audit;
using Portal.Core.Configs;
using Portal.Core.Integrations;
using Portal.Core.Keys;
using Portal.Core.Mcp;
using Portal.Core.OAuth;
using Portal.Core.SigningSecrets;
using Portal.Core.Webhooks;
using Portal.Core.Tenancy;

namespace Portal.Core.Data;

/// <summary>The one store: identity, OpenIddict, the Data Protection key ring and the domain. Provider-neutral.</summary>
public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options)
    : IdentityDbContext<PortalUser>(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<PortalAdministrator> PortalAdministrators => Set<PortalAdministrator>();
    public DbSet<ApiClient> ApiClients => Set<ApiClient>();
    public DbSet<Integration> Integrations => Set<Integration>();
    public DbSet<Config> Configs => Set<Config>();
    public DbSet<ConfigRevision> ConfigRevisions => Set<ConfigRevision>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<TokenKey> TokenKeys => Set<TokenKey>();
    public DbSet<IssuedKey> IssuedKeys => Set<IssuedKey>();
    public DbSet<KeyBinding> KeyBindings => Set<KeyBinding>();
    public DbSet<KeyLifecycle.KeyPolicy> KeyPolicies => Set<KeyLifecycle.KeyPolicy>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<WebhookBinding> WebhookBindings => Set<WebhookBinding>();
    public DbSet<WebhookEvent> WebhookEvents => Set<WebhookEvent>();
    public DbSet<SigningSecret> SigningSecrets => Set<SigningSecret>();
    public DbSet<OAuthState> OAuthStates => Set<OAuthState>();
    public DbSet<McpSettings> McpSettings => Set<McpSettings>();
    public DbSet<RateWindow> RateWindows => Set<RateWindow>();
    public DbSet<Notifications.NotificationEndpoint> NotificationEndpoints => Set<Notifications.NotificationEndpoint>();
    public DbSet<Notifications.NotificationMessage> NotificationMessages => Set<Notifications.NotificationMessage>();
    public DbSet<Notifications.NotificationDelivery> NotificationDeliveries => Set<Notifications.NotificationDelivery>();
    public DbSet<Notifications.NotificationAttempt> NotificationAttempts => Set<Notifications.NotificationAttempt>();

    /// <summary>Inside <see cref="UnitOfWork.RunAsync{T}"/>: the refusals the operation met, written whether it commits or not.</summary>
    internal List<AuditEvent>? PendingRefusals { get; set; }

    /// <summary>What the save in progress changes that caches may hold (see <see cref="ChangeAnnouncer"/>).</summary>
    internal List<Change>? StagedChanges { get; set; }

    /// <summary>Saved inside the caller's transaction: announced when it commits, forgotten when it rolls back.</summary>
    internal List<Change>? UncommittedChanges { get; set; }

    /// <summary>This context's <see cref="StoreWriteGate"/> turn on SQLite, while it has one.</summary>
    internal IDisposable? WriteTurn { get; set; }

    /// <summary>The turn <see cref="StoreWriteGateInterceptor"/> took for a transaction or statement: ended with it, or at the latest with the context.</summary>
    internal IDisposable? TransactionTurn { get; set; }

    /// <summary>A save outside a transaction is a write transaction of its own: on SQLite it waits for its turn.</summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        using var turn = SavesAlone ? await StoreWriteGate.EnterAsync(this, cancellationToken) : null;
        return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        using var turn = SavesAlone ? StoreWriteGate.Enter(this) : null;
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    /// <summary>A save outside any transaction (the gate itself passes contexts that hold a turn, and other stores).</summary>
    private bool SavesAlone => Database.CurrentTransaction is null;

    /// <summary>A transaction disposed without a commit or rollback (an exception) gives its turn back here.</summary>
    public override void Dispose()
    {
        base.Dispose();
        EndTurn();
    }

    public override async ValueTask DisposeAsync()
    {
        // The connection closes first (rolling back what was left open), then the next writer may go.
        await base.DisposeAsync();
        EndTurn();
    }

    private void EndTurn()
    {
        var turn = TransactionTurn;
        TransactionTurn = null;
        turn?.Dispose();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();

        // Each feature configures its own tables (IEntityTypeConfiguration classes next to its entities).
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
    }
}
