using System.Data.Common;
using System.Security.Claims;
using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Features.ApiClients;
using Portal.Features.Tenancy;
using Portal.Core.ApiClients;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

/// <summary>
/// A page lives as long as its browser connection, and the whole connection is one DI scope (a circuit). Two operations
/// started from one page, the second before the first is done, must not meet on one DbContext: each gets its own.
/// The database is held while both are started, as a networked database holds a slow query; then both must succeed.
/// </summary>
public sealed class CircuitScopeTests : PortalComponentTest, IClassFixture<CircuitScopeTests.HeldDatabasePortal>
{
    private readonly HeldDatabasePortal _portal;
    private readonly AsyncServiceScope _circuit;

    public CircuitScopeTests(HeldDatabasePortal portal)
    {
        _portal = portal;
        // Everything the page injects comes from one scope that outlives its operations, as in a circuit.
        _circuit = portal.Services.CreateAsyncScope();
        Context.Services.AddFallbackServiceProvider(_circuit.ServiceProvider);
        var auth = Context.AddAuthorization();
        auth.SetAuthorized(PortalApplication.AdminEmail);
        auth.SetClaims(new Claim(ClaimTypes.Email, PortalApplication.AdminEmail));
        JSInterop.Setup<bool>("portalClipboard.copy", _ => true).SetResult(true);
    }

    private static Actor Admin => new(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);

    [Fact]
    public async Task Two_clients_created_one_right_after_the_other_on_the_api_clients_page_both_exist()
    {
        var names = new[] { $"first {Guid.NewGuid():N}", $"second {Guid.NewGuid():N}" };
        var provider = RenderDialogProvider();
        var page = Render<ApiClientsPage>(p => p.Add(s => s.Tenant, PortalApplication.Tenant));
        page.WaitForAssertion(() => Assert.NotNull(Button(page, "Create client")));

        var clicks = await ClickWhileTheDatabaseIsHeldAsync(page, "Client name", "Create client", names);

        // Each operation ends in its own secret-once dialog.
        provider.WaitForAssertion(() => Assert.Equal(2, provider.FindAll(".mud-dialog").Count(d => d.TextContent.Contains("API client created", StringComparison.Ordinal))));
        Assert.All(clicks, c => Assert.False(c.IsFaulted, c.Exception?.ToString()));
        var stored = (await _portal.Services.GetRequiredService<ApiClientService>().ListAsync(Admin, Paging.From(0, Paging.MaxTake))).Items;
        Assert.All(names, n => Assert.Contains(stored, c => c.DisplayName == n));
        await CloseSecretDialogsAsync(provider, clicks);
        Assert.All(names, n => Assert.Contains(n, Rows(page), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_members_added_one_right_after_the_other_on_the_members_page_are_both_members()
    {
        var emails = new[] { $"first-{Guid.NewGuid():N}@example.org", $"second-{Guid.NewGuid():N}@example.org" };
        var provider = RenderDialogProvider();
        var page = Render<MembersPage>(p => p.Add(s => s.Tenant, PortalApplication.Tenant));
        page.WaitForAssertion(() => Assert.NotNull(Button(page, "Add or update member")));

        var clicks = await ClickWhileTheDatabaseIsHeldAsync(page, "Member e-mail", "Add or update member", emails);

        // Each new account ends in its own initial-password dialog.
        provider.WaitForAssertion(() => Assert.All(emails, e => Assert.Contains($"Account created for {e}", provider.Markup, StringComparison.Ordinal)));
        Assert.All(clicks, c => Assert.False(c.IsFaulted, c.Exception?.ToString()));
        var members = (await _portal.Services.GetRequiredService<TenantService>().ListMembersAsync(Admin, Paging.From(0, Paging.MaxTake))).Items;
        Assert.All(emails, e => Assert.Contains(members, m => m.Email == e));
        await CloseSecretDialogsAsync(provider, clicks);
        Assert.All(emails, e => Assert.Contains(e, Rows(page), StringComparison.Ordinal));
    }

    /// <summary>
    /// Types each value and clicks the button while the database holds every command: a click's handler runs until its
    /// operation waits for the database, so the next click starts while the previous operation is still open. Then the
    /// database answers. Returns the clicks (they end when their secret dialog closes, so they are not awaited).
    /// </summary>
    private async Task<Task[]> ClickWhileTheDatabaseIsHeldAsync<TPage>(IRenderedComponent<TPage> page, string label, string button, string[] values)
        where TPage : Microsoft.AspNetCore.Components.IComponent
    {
        var clicks = new List<Task>();
        using (_portal.Gate.Hold())
        {
            foreach (var value in values)
            {
                await page.InvokeAsync(() => Labelled(page, label).Input(value));
                await page.InvokeAsync(() => clicks.Add(Button(page, button).ClickAsync(new())));
            }
        }

        return [.. clicks];
    }

    /// <summary>Copies and closes each secret dialog, the newest first; then the clicks are done and the page shows the list.</summary>
    private static async Task CloseSecretDialogsAsync(IRenderedComponent<MudDialogProvider> provider, Task[] clicks)
    {
        foreach (var _ in clicks)
        {
            await ClickAsync(provider, () => DialogButton(provider, "Copy"));
            await ClickAsync(provider, () => DialogButton(provider, "Done"));
        }

        await Task.WhenAll(clicks);
        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll(".mud-dialog")));
    }

    private static IElement DialogButton(IRenderedComponent<MudDialogProvider> provider, string text) =>
        provider.FindAll(".mud-dialog").Last().QuerySelectorAll("button").SingleOrDefault(b => b.TextContent.Trim() == text)
        ?? throw new Xunit.Sdk.XunitException($"No button labelled '{text}' in:\n{provider.Markup}");

    private static string Rows<TPage>(IRenderedComponent<TPage> page)
        where TPage : Microsoft.AspNetCore.Components.IComponent =>
        string.Join("\n", page.FindAll("tbody tr").Select(r => r.TextContent));

    private static IElement Labelled<TPage>(IRenderedComponent<TPage> page, string label)
        where TPage : Microsoft.AspNetCore.Components.IComponent
    {
        var element = page.FindAll("label").SingleOrDefault(l => l.TextContent.Trim() == label)
            ?? throw new Xunit.Sdk.XunitException($"No field labelled '{label}' in:\n{page.Markup}");
        return page.Find($"#{element.GetAttribute("for")}");
    }

    protected override ValueTask DisposeMoreAsync() => _circuit.DisposeAsync();

    /// <summary>The real app whose database commands can be held (and released) by a test.</summary>
    public sealed class HeldDatabasePortal : IDisposable
    {
        private readonly PortalApplication _app = new();

        public HeldDatabasePortal()
        {
            Factory = _app.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
                services.ConfigureDbContext<PortalDbContext>(o => o.AddInterceptors(Gate))));
        }

        public DatabaseGate Gate { get; } = new();

        public WebApplicationFactory<Program> Factory { get; }

        public IServiceProvider Services => Factory.Services;

        public void Dispose()
        {
            Factory.Dispose();
            _app.Dispose();
        }
    }

    /// <summary>While held, every asynchronous database command waits, as behind a slow network, until the hold ends.</summary>
    public sealed class DatabaseGate : DbCommandInterceptor
    {
        private TaskCompletionSource? _hold;

        public IDisposable Hold()
        {
            var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _hold = hold;
            return new Release(() =>
            {
                _hold = null;
                hold.TrySetResult();
            });
        }

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            await WaitAsync();
            return result;
        }

        public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            await WaitAsync();
            return result;
        }

        public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            await WaitAsync();
            return result;
        }

        private Task WaitAsync() => _hold?.Task ?? Task.CompletedTask;

        private sealed class Release(Action release) : IDisposable
        {
            public void Dispose() => release();
        }
    }
}
