using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Webhooks;

/// <summary>
/// How many received events a config has: the inbox's <c>total</c> without counting a million rows. Kept by database
/// triggers on <c>WebhookEvents</c> (migration <c>ListCounts</c>): a deduplicated delivery inserts no row and counts
/// nothing; events deleted with their config count down. No foreign key to the config on purpose: the cascade that
/// deletes a config's events fires the count-down, which must still find (or create) its row. Sharded on PostgreSQL
/// like <see cref="Audit.AuditCount"/>.
/// </summary>
public sealed class WebhookEventCount
{
    public required string TenantId { get; set; }
    public Guid ConfigId { get; set; }
    public int Shard { get; set; }
    public long Count { get; set; }
}

internal sealed class WebhookEventCountConfiguration : IEntityTypeConfiguration<WebhookEventCount>
{
    public void Configure(EntityTypeBuilder<WebhookEventCount> e)
    {
        e.ToTable("WebhookEventCounts");
        e.HasKey(c => new { c.TenantId, c.ConfigId, c.Shard });
        e.Property(c => c.TenantId).HasMaxLength(64);
    }
}
