using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.KeyLifecycle;

/// <summary>How the key lifecycle's rows are stored; applied by <c>PortalDbContext</c> with <c>ApplyConfigurationsFromAssembly</c>.</summary>
internal sealed class KeyPolicyConfiguration : IEntityTypeConfiguration<KeyPolicy>
{
    public void Configure(EntityTypeBuilder<KeyPolicy> e)
    {
        e.HasKey(p => new { p.TenantId, p.Kind });
        e.Property(p => p.TenantId).HasMaxLength(64);
    }
}
