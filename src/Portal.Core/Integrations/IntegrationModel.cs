using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Integrations;

/// <summary>How the Integrations feature's rows are stored; applied by <c>PortalDbContext</c> with <c>ApplyConfigurationsFromAssembly</c>.</summary>
internal sealed class IntegrationConfiguration : IEntityTypeConfiguration<Integration>
{
    public void Configure(EntityTypeBuilder<Integration> e)
    {
        e.HasKey(i => new { i.TenantId, i.Id });
        e.Property(i => i.TenantId).HasMaxLength(64);
        e.Property(i => i.Id).HasMaxLength(64);
        e.Property(i => i.DisplayName).HasMaxLength(100);
        e.Property(i => i.Description).HasMaxLength(500);
        e.Property(i => i.Tags).HasMaxLength(2000);
        e.Property(i => i.Version).IsConcurrencyToken();
    }
}
