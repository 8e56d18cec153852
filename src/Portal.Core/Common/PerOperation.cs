using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Common;

/// <summary>
/// A scoped service that holds a DbContext (ASP.NET Core Identity's <c>UserManager</c>, OpenIddict's managers), resolved
/// afresh for one operation and disposed after it. Core services are singletons that take this instead of the scoped
/// service: a Blazor circuit is one DI scope for as long as the browser stays connected, and a context kept that long
/// serves stale entities and fails when two operations overlap ("A second operation was started on this context").
/// </summary>
public sealed class PerOperation<T>(IServiceScopeFactory scopes)
    where T : notnull
{
    public async Task<TResult> RunAsync<TResult>(Func<T, Task<TResult>> operation)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await operation(scope.ServiceProvider.GetRequiredService<T>());
    }

    public Task RunAsync(Func<T, Task> operation) => RunAsync<bool>(async service =>
    {
        await operation(service);
        return true;
    });
}
