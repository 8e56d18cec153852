using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;

namespace Portal.Core.Tenancy;

public sealed class TenantInput
{
    public string? Id { get; set; }
    public string? DisplayName { get; set; }
    public string? FirstAdminEmail { get; set; }
}

public sealed class MemberInput
{
    public string? Email { get; set; }
    public TenantRole? Role { get; set; }
}

public sealed record TenantView(string Id, string DisplayName, long CreatedAt);

public sealed record MemberView(string Email, TenantRole Role, long CreatedAt);

/// <summary>A member added with a new local account: the initial password appears only in this response.</summary>
public sealed record MemberAdded(string Email, TenantRole Role, long CreatedAt, string? InitialPassword);

/// <summary>Tenants (created by portal administrators) and their members (managed by tenant Admins).</summary>
/// <remarks>A singleton: Identity's <c>UserManager</c> (and its DbContext) is resolved per operation through <see cref="PerOperation{T}"/>.</remarks>
public sealed class TenantService(IDbContextFactory<PortalDbContext> dbFactory, PerOperation<UserManager<PortalUser>> users, IOptions<PortalOptions> options, Refusals refusals, TimeProvider time)
{
    /// <summary>Creates a tenant; only a portal administrator may. The creator, or <c>firstAdminEmail</c>, becomes its first Admin.</summary>
    public async Task<Result<TenantView>> CreateTenantAsync(string callerEmail, string? ip, TenantInput input, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var caller = callerEmail.ToUpperInvariant();
        if (!await db.PortalAdministrators.AnyAsync(a => a.Email == caller, ct))
        {
            // Not audited: the refusal belongs to no tenant's log (the tenant does not exist, and the caller belongs to none of it).
            return Error.Forbidden("Only a portal administrator can create tenants.");
        }

        var errors = new ValidationErrors();
        if (!TenantIds.IsValid(input.Id))
        {
            errors.Add("id", "Id is required: 1 to 64 letters, digits, underscores or hyphens.");
        }

        errors.CheckDisplayName("displayName", input.DisplayName, 100, required: false);

        if (input.FirstAdminEmail is { } first && !LooksLikeEmail(first))
        {
            errors.Add("firstAdminEmail", "The first admin's e-mail must be an e-mail address.");
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        if (await db.Tenants.AnyAsync(t => t.Id == input.Id, ct))
        {
            return Error.Conflict($"A tenant with id '{input.Id}' already exists.");
        }

        var now = time.NowMs();
        var tenant = new Tenant { Id = input.Id!, DisplayName = string.IsNullOrWhiteSpace(input.DisplayName) ? input.Id! : input.DisplayName.Trim(), CreatedAt = now };
        db.Tenants.Add(tenant);
        var adminEmail = (input.FirstAdminEmail ?? callerEmail).Trim().ToUpperInvariant();
        db.Memberships.Add(new Membership { TenantId = tenant.Id, Email = adminEmail, Role = TenantRole.Admin, CreatedAt = now });
        db.AuditEvents.Add(AuditEvent.Of(new Actor(callerEmail.ToLowerInvariant(), ActorKind.User, tenant.Id, TenantRole.Admin, ip), now, "tenant.create", $"tenants/{tenant.Id}"));
        await db.SaveChangesAsync(ct);
        return new TenantView(tenant.Id, tenant.DisplayName, tenant.CreatedAt);
    }

    /// <summary>A page of the tenant's members, by e-mail (the order of the membership key, so a page is read from it).</summary>
    public async Task<Page<MemberView>> ListMembersAsync(Actor actor, Paging paging, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Memberships.AsNoTracking().Where(m => m.TenantId == actor.TenantId);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(m => m.Email).Skip(paging.Skip).Take(paging.Take).ToListAsync(ct);
        return new Page<MemberView>(rows.Select(m => new MemberView(m.Email.ToLowerInvariant(), m.Role, m.CreatedAt)).ToList(), total);
    }

    /// <summary>Adds a member or changes their role. With local accounts, an e-mail without an account gets one with a generated initial password, returned once.</summary>
    public async Task<Result<MemberAdded>> AddMemberAsync(Actor actor, MemberInput input, CancellationToken ct = default)
    {
        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "member.upsert", "members", ct: ct);
        }

        if (input.Email is null || !LooksLikeEmail(input.Email))
        {
            return Error.Validation("email", "email must be an e-mail address.");
        }

        var email = input.Email.Trim();
        var role = input.Role ?? TenantRole.Viewer;
        string? initialPassword = null;
        if (options.Value.LocalAccounts)
        {
            var candidate = GeneratedPasswords.New();
            var created = await users.RunAsync(async manager => await manager.FindByEmailAsync(email) is null
                ? await manager.CreateAsync(new PortalUser { UserName = email, Email = email, EmailConfirmed = true }, candidate)
                : null);
            if (created is { Succeeded: false })
            {
                return Error.Validation("email", string.Join(" ", created.Errors.Select(e => e.Description)));
            }

            initialPassword = created is null ? null : candidate;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = email.ToUpperInvariant();
        var membership = await db.Memberships.FirstOrDefaultAsync(m => m.TenantId == actor.TenantId && m.Email == key, ct);
        var now = time.NowMs();
        if (membership is null)
        {
            db.Memberships.Add(membership = new Membership { TenantId = actor.TenantId, Email = key, Role = role, CreatedAt = now });
        }
        else
        {
            membership.Role = role;
        }

        db.AuditEvents.Add(AuditEvent.Of(actor, now, "member.upsert", $"members/{email.ToLowerInvariant()}"));
        await db.SaveChangesAsync(ct);
        return new MemberAdded(email.ToLowerInvariant(), role, membership.CreatedAt, initialPassword);
    }

    public async Task<Result<bool>> RemoveMemberAsync(Actor actor, string email, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = email.ToUpperInvariant();
        var membership = await db.Memberships.FirstOrDefaultAsync(m => m.TenantId == actor.TenantId && m.Email == key, ct);
        if (membership is null)
        {
            return Error.NotFound($"'{email}' is not a member of this tenant.");
        }

        if (!actor.IsAdmin)
        {
            return await refusals.ForbiddenAsync(actor, "member.remove", $"members/{email.ToLowerInvariant()}", db, ct);
        }

        if (membership.Role == TenantRole.Admin && await db.Memberships.CountAsync(m => m.TenantId == actor.TenantId && m.Role == TenantRole.Admin, ct) == 1)
        {
            return Error.Conflict("This is the tenant's last Admin; make someone else Admin first.");
        }

        db.Memberships.Remove(membership);
        db.AuditEvents.Add(AuditEvent.Of(actor, time.NowMs(), "member.remove", $"members/{email.ToLowerInvariant()}"));
        await db.SaveChangesAsync(ct);
        return true;
    }

    private static bool LooksLikeEmail(string text) =>
        text.Length <= 256 && text.IndexOf('@', StringComparison.Ordinal) is > 0 and var at && at < text.Length - 1 && !text.Contains(' ', StringComparison.Ordinal);
}
