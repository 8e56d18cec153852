using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.OAuth;

/// <summary>How the OAuth feature's rows are stored; applied by <c>PortalDbContext</c> with <c>ApplyConfigurationsFromAssembly</c>.</summary>
internal sealed class OAuthStateConfiguration : IEntityTypeConfiguration<OAuthState>
{
    public void Configure(EntityTypeBuilder<OAuthState> e)
    {
        e.HasKey(s => s.Id);
        e.Property(s => s.StateHash).HasMaxLength(64);
        e.HasIndex(s => s.StateHash).IsUnique();
        e.Property(s => s.TenantId).HasMaxLength(64);
        e.Property(s => s.IntegrationId).HasMaxLength(64);
        e.Property(s => s.AuthMapKey).HasMaxLength(512);
        e.Property(s => s.StartedBy).HasMaxLength(256);
        e.Property(s => s.BrowserBindingHash).HasMaxLength(64);
        e.HasIndex(s => s.ExpiresAt);
    }
}
