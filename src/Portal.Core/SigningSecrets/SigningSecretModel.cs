using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.SigningSecrets;

/// <summary>How the SigningSecrets feature's rows are stored; applied by <c>PortalDbContext</c> with <c>ApplyConfigurationsFromAssembly</c>.</summary>
internal sealed class SigningSecretConfiguration : IEntityTypeConfiguration<SigningSecret>
{
    public void Configure(EntityTypeBuilder<SigningSecret> e)
    {
        e.HasKey(s => new { s.TenantId, s.Name });
        e.Property(s => s.TenantId).HasMaxLength(64);
        e.Property(s => s.Name).HasMaxLength(512);
    }
}
