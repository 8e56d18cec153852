using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Audit;

/// <summary>
/// How many audit events a tenant has per action: the log's <c>total</c> (all actions summed, or one action) without
/// counting a million rows. Kept by database triggers on <c>AuditEvents</c> (migration <c>ListCounts</c>). On PostgreSQL
/// each connection adds to its own <see cref="Shard"/> (<c>pg_backend_pid() % 8</c>), so concurrent audited writes do
/// not queue on one counter row until they commit; readers sum the shards. SQLite has one writer: shard 0.
/// </summary>
public sealed class AuditCount
{
    public required string TenantId { get; set; }
    public required string Action { get; set; }
    public int Shard { get; set; }
    public long Count { get; set; }
}

internal sealed class AuditCountConfiguration : IEntityTypeConfiguration<AuditCount>
{
    public void Configure(EntityTypeBuilder<AuditCount> e)
    {
        e.ToTable("AuditCounts");
        e.HasKey(c => new { c.TenantId, c.Action, c.Shard });
        e.Property(c => c.TenantId).HasMaxLength(AuditEvent.TenantIdLength);
        e.Property(c => c.Action).HasMaxLength(AuditEvent.ActionLength);
    }
}
