using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.ApiClients;

/// <summary>How the ApiClients feature's rows are stored; applied by <c>PortalDbContext</c> with <c>ApplyConfigurationsFromAssembly</c>.</summary>
internal sealed class ApiClientConfiguration : IEntityTypeConfiguration<ApiClient>
{
    public void Configure(EntityTypeBuilder<ApiClient> e)
    {
        e.HasKey(c => c.ClientId);
        e.Property(c => c.ClientId).HasMaxLength(100);
        e.Property(c => c.TenantId).HasMaxLength(64);
        e.Property(c => c.DisplayName).HasMaxLength(100);
        e.Property(c => c.SecretPrefix).HasMaxLength(32);
        e.HasIndex(c => c.TenantId);
    }
}
