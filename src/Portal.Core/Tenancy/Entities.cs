using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Identity;

namespace Portal.Core.Tenancy;

[JsonConverter(typeof(JsonStringEnumConverter<TenantRole>))]
public enum TenantRole
{
    Viewer = 0,
    Admin = 1,
}

public sealed class Tenant
{
    public required string Id { get; set; }
    public required string DisplayName { get; set; }
    public long CreatedAt { get; set; }

    /// <summary>Members (people, not API clients) must have two-factor sign-in on to open this tenant; see <see cref="TenantAccess"/>.</summary>
    public bool RequireTwoFactor { get; set; }
}

/// <summary>A person's role in one tenant. Keyed by normalized e-mail so local and Entra accounts work alike.</summary>
public sealed class Membership
{
    public required string TenantId { get; set; }
    public required string Email { get; set; }
    public TenantRole Role { get; set; }
    public long CreatedAt { get; set; }
}

/// <summary>An account that may create tenants and add their first members.</summary>
public sealed class PortalAdministrator
{
    public required string Email { get; set; }
}

/// <summary>A local account (ASP.NET Core Identity).</summary>
public sealed class PortalUser : IdentityUser
{
}
