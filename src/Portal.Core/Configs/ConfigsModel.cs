using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Configs;

/// <summary>How the Configs feature's rows are stored; applied by <c>PortalDbContext</c> with <c>ApplyConfigurationsFromAssembly</c>.</summary>
internal sealed class ConfigConfiguration : IEntityTypeConfiguration<Config>
{
    public void Configure(EntityTypeBuilder<Config> e)
    {
        e.HasKey(c => c.Id);
        e.Property(c => c.TenantId).HasMaxLength(64);
        e.Property(c => c.IntegrationId).HasMaxLength(64);
        e.Property(c => c.DisplayName).HasMaxLength(100);
        e.Property(c => c.Version).IsConcurrencyToken();
        e.Property(c => c.LastVerificationError).HasMaxLength(Config.MaxVerificationError);
        e.Ignore(c => c.LastVerification);
        e.HasIndex(c => new { c.TenantId, c.IntegrationId });
    }
}

internal sealed class ConfigRevisionConfiguration : IEntityTypeConfiguration<ConfigRevision>
{
    public void Configure(EntityTypeBuilder<ConfigRevision> e)
    {
        e.HasKey(r => r.Id);
        e.Property(r => r.TenantId).HasMaxLength(64);
        e.Property(r => r.CreatedBy).HasMaxLength(256);
        e.HasIndex(r => new { r.TenantId, r.ConfigId, r.Number }).IsUnique();
        e.HasOne<Config>().WithMany().HasForeignKey(r => r.ConfigId).OnDelete(DeleteBehavior.Cascade); // revisions go with their config
    }
}
