using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
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

    /// <summary>
    /// Finds an element and clicks it in one step on the renderer's thread, so that no re-render can replace the element
    /// (and its handler) between the two: a loaded CI run once clicked a handler a re-render had just replaced. The task
    /// ends when the click's handler has; a handler that waits for a dialog ends when that dialog closes, so keep its task
    /// and await it after closing the dialog. Wait for an element that comes later before calling this (waiting on the
    /// renderer's thread would block the render it waits for).
    /// </summary>
    protected static Task ClickAsync<TComponent>(IRenderedComponent<TComponent> rendered, Func<IElement> find)
        where TComponent : IComponent =>
        rendered.InvokeAsync(() => find().ClickAsync(new MouseEventArgs()));

    /// <summary><see cref="ClickAsync{TComponent}(IRenderedComponent{TComponent}, Func{IElement})"/> on the element a CSS selector finds.</summary>
    protected static Task ClickAsync<TComponent>(IRenderedComponent<TComponent> rendered, string selector)
        where TComponent : IComponent =>
        ClickAsync(rendered, () => rendered.Find(selector));

    /// <summary><see cref="ClickAsync{TComponent}(IRenderedComponent{TComponent}, Func{IElement})"/> on the button labelled <paramref name="text"/> (see <see cref="Button{TComponent}"/>).</summary>
    protected static Task ClickButtonAsync<TComponent>(IRenderedComponent<TComponent> rendered, string text)
        where TComponent : IComponent =>
        ClickAsync(rendered, () => Button(rendered, text));

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Context.DisposeAsync();
        await DisposeMoreAsync();
    }

    /// <summary>Disposes what a test class holds besides the context (after the context, whose components may use it).</summary>
    protected virtual ValueTask DisposeMoreAsync() => ValueTask.CompletedTask;
}
