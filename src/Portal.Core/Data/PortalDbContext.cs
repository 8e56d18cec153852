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
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<WebhookBinding> WebhookBindings => Set<WebhookBinding>();
    public DbSet<WebhookEvent> WebhookEvents => Set<WebhookEvent>();
    public DbSet<SigningSecret> SigningSecrets => Set<SigningSecret>();
    public DbSet<OAuthState> OAuthStates => Set<OAuthState>();
    public DbSet<McpSettings> McpSettings => Set<McpSettings>();

    /// <summary>Inside <see cref="UnitOfWork.RunAsync{T}"/>: the refusals the operation met, written whether it commits or not.</summary>
    internal List<AuditEvent>? PendingRefusals { get; set; }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();

        builder.Entity<Tenant>(e =>
        {
            e.HasKey(t => t.Id);
            e.Property(t => t.Id).HasMaxLength(64);
            e.Property(t => t.DisplayName).HasMaxLength(100);
        });
        builder.Entity<Membership>(e =>
        {
            e.HasKey(m => new { m.TenantId, m.Email });
            e.Property(m => m.TenantId).HasMaxLength(64);
            e.Property(m => m.Email).HasMaxLength(256);
            e.HasIndex(m => m.Email);
        });
        builder.Entity<PortalAdministrator>(e =>
        {
            e.HasKey(a => a.Email);
            e.Property(a => a.Email).HasMaxLength(256);
        });
        builder.Entity<ApiClient>(e =>
        {
            e.HasKey(c => c.ClientId);
            e.Property(c => c.ClientId).HasMaxLength(100);
            e.Property(c => c.TenantId).HasMaxLength(64);
            e.Property(c => c.DisplayName).HasMaxLength(100);
            e.Property(c => c.SecretPrefix).HasMaxLength(32);
            e.HasIndex(c => c.TenantId);
        });
        builder.Entity<Integration>(e =>
        {
            e.HasKey(i => new { i.TenantId, i.Id });
            e.Property(i => i.TenantId).HasMaxLength(64);
            e.Property(i => i.Id).HasMaxLength(64);
            e.Property(i => i.DisplayName).HasMaxLength(100);
            e.Property(i => i.Description).HasMaxLength(500);
            e.Property(i => i.Tags).HasMaxLength(2000);
            e.Property(i => i.Version).IsConcurrencyToken();
        });
        builder.Entity<Config>(e =>
        {
            e.HasKey(c => c.Id);
            e.Property(c => c.TenantId).HasMaxLength(64);
            e.Property(c => c.IntegrationId).HasMaxLength(64);
            e.Property(c => c.DisplayName).HasMaxLength(100);
            e.Property(c => c.Version).IsConcurrencyToken();
            e.Property(c => c.LastVerificationError).HasMaxLength(Config.MaxVerificationError);
            e.Ignore(c => c.LastVerification);
            e.HasIndex(c => new { c.TenantId, c.IntegrationId });
        });
        builder.Entity<ConfigRevision>(e =>
        {
            e.HasKey(r => r.Id);
            e.Property(r => r.TenantId).HasMaxLength(64);
            e.Property(r => r.CreatedBy).HasMaxLength(256);
            e.HasIndex(r => new { r.TenantId, r.ConfigId, r.Number }).IsUnique();
        });
        builder.Entity<IssuedKey>(e =>
        {
            e.HasKey(k => k.Id);
            e.Property(k => k.TenantId).HasMaxLength(64);
            e.Property(k => k.OwnerId).HasMaxLength(600);
            e.Property(k => k.Hash).HasMaxLength(64);
            e.Property(k => k.KeyPrefix).HasMaxLength(32);
            e.Property(k => k.CreatedBy).HasMaxLength(256);
            e.Property(k => k.Scopes).HasMaxLength(256);
            e.HasIndex(k => k.Hash).IsUnique();
            e.HasIndex(k => new { k.TenantId, k.OwnerId });
        });
        builder.Entity<KeyBinding>(e =>
        {
            e.HasKey(b => new { b.TenantId, b.OwnerId });
            e.Property(b => b.TenantId).HasMaxLength(64);
            e.Property(b => b.OwnerId).HasMaxLength(600);
            e.Property(b => b.Version).IsConcurrencyToken();
        });
        builder.Entity<IdempotencyRecord>(e =>
        {
            e.HasKey(r => new { r.TenantId, r.Scope, r.Key });
            e.Property(r => r.TenantId).HasMaxLength(64);
            e.Property(r => r.Scope).HasMaxLength(600);
            e.Property(r => r.Key).HasMaxLength(256);
            e.Property(r => r.RequestHash).HasMaxLength(64);
            e.HasIndex(r => r.CreatedAt);
        });
        builder.Entity<WebhookBinding>(e =>
        {
            e.HasKey(b => b.Id);
            e.Property(b => b.TenantId).HasMaxLength(64);
            e.Property(b => b.Name).HasMaxLength(100);
            e.HasIndex(b => new { b.TenantId, b.ConfigId });
        });
        builder.Entity<WebhookEvent>(e =>
        {
            e.HasKey(w => w.Id);
            e.Property(w => w.TenantId).HasMaxLength(64);
            e.Property(w => w.IntegrationId).HasMaxLength(64);
            e.Property(w => w.WebhookId).HasMaxLength(256);
            e.Property(w => w.ContentType).HasMaxLength(256);
            e.HasIndex(w => new { w.TenantId, w.ConfigId, w.BindingId, w.WebhookId }).IsUnique();
            e.HasIndex(w => new { w.TenantId, w.ConfigId, w.Id });
        });
        builder.Entity<SigningSecret>(e =>
        {
            e.HasKey(s => new { s.TenantId, s.Name });
            e.Property(s => s.TenantId).HasMaxLength(64);
            e.Property(s => s.Name).HasMaxLength(512);
        });
        builder.Entity<OAuthState>(e =>
        {
            e.HasKey(s => s.Id);
            e.Property(s => s.StateHash).HasMaxLength(64);
            e.HasIndex(s => s.StateHash).IsUnique();
            e.Property(s => s.TenantId).HasMaxLength(64);
            e.Property(s => s.IntegrationId).HasMaxLength(64);
            e.Property(s => s.AuthMapKey).HasMaxLength(512);
            e.Property(s => s.StartedBy).HasMaxLength(256);
            e.Property(s => s.BrowserBindingHash).HasMaxLength(64);
            e.HasIndex(s => s.ExpiresAt);
        });
        builder.Entity<McpSettings>(e =>
        {
            e.HasKey(m => new { m.TenantId, m.IntegrationId });
            e.Property(m => m.TenantId).HasMaxLength(64);
            e.Property(m => m.IntegrationId).HasMaxLength(64);
            e.Property(m => m.Description).HasMaxLength(500);
        });
        builder.Entity<TokenKey>(e =>
        {
            e.HasKey(k => k.Id);
            e.Property(k => k.Id).HasMaxLength(64);
            e.Property(k => k.Use).HasMaxLength(16);
            e.HasIndex(k => k.Use).IsUnique();
        });
        builder.Entity<AuditEvent>(e =>
        {
            e.HasKey(a => a.Id);
            e.Property(a => a.TenantId).HasMaxLength(64);
            e.Property(a => a.Actor).HasMaxLength(256);
            e.Property(a => a.Action).HasMaxLength(64);
            e.Property(a => a.Target).HasMaxLength(512);
            e.Property(a => a.KeyPrefix).HasMaxLength(32);
            e.Property(a => a.Outcome).HasMaxLength(32);
            e.Property(a => a.Ip).HasMaxLength(64);
            e.HasIndex(a => new { a.TenantId, a.Id });
        });
    }
}
