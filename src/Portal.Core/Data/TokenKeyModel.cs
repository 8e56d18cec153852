using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Data;

/// <summary>How the Data feature's rows are stored; applied by <c>PortalDbContext</c> with <c>ApplyConfigurationsFromAssembly</c>.</summary>
internal sealed class TokenKeyConfiguration : IEntityTypeConfiguration<TokenKey>
{
    public void Configure(EntityTypeBuilder<TokenKey> e)
    {
        e.HasKey(k => k.Id);
        e.Property(k => k.Id).HasMaxLength(64);
        e.Property(k => k.Use).HasMaxLength(16);
        e.HasIndex(k => k.Use).IsUnique();
    }
}
