using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// The one bUnit base class: a context with MudBlazor's services and loose JS interop (MudBlazor calls
/// JS we do not care about). The context is disposed asynchronously because MudBlazor components
/// implement only <see cref="IAsyncDisposable"/>; xunit 2 calls <see cref="IAsyncLifetime.DisposeAsync"/>.
/// </summary>
public abstract class PortalComponentTest : IAsyncLifetime
{
    // The CI machine has 2 shared cores; MudBlazor finishes some updates (dialog close, select) asynchronously.
    static PortalComponentTest() => BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(5);

    protected PortalComponentTest()
    {
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
        Context.Services.AddMudServices();
    }

    protected BunitContext Context { get; } = new();

    protected BunitJSInterop JSInterop => Context.JSInterop;

    protected IRenderedComponent<TComponent> Render<TComponent>(Action<ComponentParameterCollectionBuilder<TComponent>>? parameters = null)
        where TComponent : IComponent =>
        Context.Render(parameters);

    /// <summary>
    /// Renders the providers MudBlazor's dialogs and popovers draw into; a dialog opened through
    /// <see cref="IDialogService"/> shows up in the returned markup.
    /// </summary>
    protected IRenderedComponent<MudDialogProvider> RenderDialogProvider()
    {
        RenderPopoverProvider();
        return Context.Render<MudDialogProvider>();
    }

    /// <summary>Renders the provider that MudSelect and menus open their lists in.</summary>
    protected IRenderedComponent<MudPopoverProvider> RenderPopoverProvider() => Context.Render<MudPopoverProvider>();

    protected IDialogService Dialogs => Context.Services.GetRequiredService<IDialogService>();

    /// <summary>The button whose visible text is exactly <paramref name="text"/>, as a user finds it.</summary>
    protected static IElement Button<TComponent>(IRenderedComponent<TComponent> rendered, string text)
        where TComponent : IComponent =>
        rendered.FindAll("button").SingleOrDefault(b => b.TextContent.Trim() == text)
        ?? throw new Xunit.Sdk.XunitException($"No button labelled '{text}' in:\n{rendered.Markup}");

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Context.DisposeAsync();
        await DisposeMoreAsync();
    }

    /// <summary>Disposes what a test class holds besides the context (after the context, whose components may use it).</summary>
    protected virtual ValueTask DisposeMoreAsync() => ValueTask.CompletedTask;
}
