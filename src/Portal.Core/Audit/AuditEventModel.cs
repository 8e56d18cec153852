using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Audit;

/// <summary>How the Audit feature's rows are stored; applied by <c>PortalDbContext</c> with <c>ApplyConfigurationsFromAssembly</c>.</summary>
internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> e)
    {
        e.HasKey(a => a.Id);
        e.Property(a => a.TenantId).HasMaxLength(64);
        e.Property(a => a.Actor).HasMaxLength(256);
        e.Property(a => a.Action).HasMaxLength(64);
        e.Property(a => a.Target).HasMaxLength(512);
        e.Property(a => a.KeyPrefix).HasMaxLength(32);
        e.Property(a => a.Outcome).HasMaxLength(32);
        e.Property(a => a.Ip).HasMaxLength(64);
        // Each list filter has an index that starts with what it filters on, then the order (At, Id, newest first), so a
        // time range is a range of the same index: a page walks the matching entries only, never the tenant's whole log
        // (AuditListPlanTests).
        e.HasIndex(a => new { a.TenantId, a.At, a.Id });
        e.HasIndex(a => new { a.TenantId, a.Action, a.At, a.Id });
        e.HasIndex(a => new { a.TenantId, a.Actor, a.At, a.Id });
        // Target is filtered by prefix: a range on SQLite; LIKE 'prefix%' on PostgreSQL, which needs the pattern operator class.
        e.HasIndex(a => new { a.TenantId, a.Target }).HasOperators("text_pattern_ops", "text_pattern_ops");
    }
}
