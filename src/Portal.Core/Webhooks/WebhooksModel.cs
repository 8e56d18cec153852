using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Configs;

namespace Portal.Core.Webhooks;

/// <summary>How the Webhooks feature's rows are stored; applied by <c>PortalDbContext</c> with <c>ApplyConfigurationsFromAssembly</c>.</summary>
internal sealed class WebhookBindingConfiguration : IEntityTypeConfiguration<WebhookBinding>
{
    public void Configure(EntityTypeBuilder<WebhookBinding> e)
    {
        e.HasKey(b => b.Id);
        e.Property(b => b.TenantId).HasMaxLength(64);
        e.Property(b => b.Name).HasMaxLength(100);
        e.HasIndex(b => new { b.TenantId, b.ConfigId });
        e.HasOne<Config>().WithMany().HasForeignKey(b => b.ConfigId).OnDelete(DeleteBehavior.Cascade); // bindings go with their config
    }
}

internal sealed class WebhookEventConfiguration : IEntityTypeConfiguration<WebhookEvent>
{
    public void Configure(EntityTypeBuilder<WebhookEvent> e)
    {
        e.HasKey(w => w.Id);
        e.Property(w => w.TenantId).HasMaxLength(64);
        e.Property(w => w.IntegrationId).HasMaxLength(64);
        e.Property(w => w.WebhookId).HasMaxLength(256);
        e.Property(w => w.ContentType).HasMaxLength(256);
        e.Property(w => w.MediaType).HasMaxLength(256);
        e.Property(w => w.SignatureCheck).HasMaxLength(16);
        e.Property(w => w.SigningSecretName).HasMaxLength(512);
        // A repeated webhook-id is one event per endpoint (config, binding): a config belongs to one tenant, so this is
        // unique per tenant too. Leading with ConfigId it is also the foreign key's index: one index fewer that every
        // ingested event writes (the ingest writer is the serial step of the hot path).
        e.HasIndex(w => new { w.ConfigId, w.BindingId, w.WebhookId }).IsUnique();
        // The inbox is newest first (ReceivedAt, then Id) and each filter has an index that starts with it, then that order:
        // a page (and a received-time range) walks the matching entries only (WebhookInboxPlanTests).
        e.HasIndex(w => new { w.TenantId, w.ConfigId, w.ReceivedAt, w.Id });
        e.HasIndex(w => new { w.TenantId, w.ConfigId, w.MediaType, w.ReceivedAt, w.Id });
        e.HasOne<Config>().WithMany().HasForeignKey(w => w.ConfigId).OnDelete(DeleteBehavior.Cascade); // received events go with their config
    }
}
