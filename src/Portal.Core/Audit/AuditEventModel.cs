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
        e.HasIndex(a => new { a.TenantId, a.Id });
    }
}
