using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Tenancy;

/// <summary>How the Tenancy feature's rows are stored; applied by <c>PortalDbContext</c> with <c>ApplyConfigurationsFromAssembly</c>.</summary>
internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> e)
    {
        e.HasKey(t => t.Id);
        e.Property(t => t.Id).HasMaxLength(64);
        e.Property(t => t.DisplayName).HasMaxLength(100);
    }
}

internal sealed class MembershipConfiguration : IEntityTypeConfiguration<Membership>
{
    public void Configure(EntityTypeBuilder<Membership> e)
    {
        e.HasKey(m => new { m.TenantId, m.Email });
        e.Property(m => m.TenantId).HasMaxLength(64);
        e.Property(m => m.Email).HasMaxLength(256);
        e.HasIndex(m => m.Email);
    }
}

internal sealed class PortalAdministratorConfiguration : IEntityTypeConfiguration<PortalAdministrator>
{
    public void Configure(EntityTypeBuilder<PortalAdministrator> e)
    {
        e.HasKey(a => a.Email);
        e.Property(a => a.Email).HasMaxLength(256);
    }
}
