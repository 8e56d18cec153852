using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Core.Audit;
using Portal.Core.Common;

namespace Portal.Hosting;

/// <summary>
/// Maps Core's expected failures to ProblemDetails, in one place. A refusal (403) was audited by Core where it was decided
/// (<see cref="Refusals"/>), whichever door asked: nothing is audited here.
/// </summary>
public static class ApiResults
{
    public static ProblemHttpResult Problem(Error error)
    {
        var status = error.Kind switch
        {
            ErrorKind.NotFound => StatusCodes.Status404NotFound,
            ErrorKind.Conflict => StatusCodes.Status409Conflict,
            ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
            ErrorKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
            ErrorKind.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
            _ => StatusCodes.Status400BadRequest,
        };
        ProblemDetails problem = error.Errors is { Count: > 0 } errors
            ? new HttpValidationProblemDetails(errors.ToDictionary(e => e.Key, e => e.Value)) { Detail = error.Detail, Status = status, Title = "One or more validation errors occurred." }
            : new ProblemDetails { Detail = error.Detail, Status = status, Title = Title(status) };
        return TypedResults.Problem(problem);
    }

    public static async Task<Results<Ok<T>, ProblemHttpResult>> Ok<T>(Task<Result<T>> operation)
    {
        var result = await operation;
        return result.IsSuccess ? TypedResults.Ok(result.Value) : Problem(result.Error!);
    }

    /// <summary>200 with the resource's <c>ETag</c> header (see <see cref="EntityTags"/>).</summary>
    public static async Task<Results<Ok<T>, ProblemHttpResult>> OkWithETag<T>(HttpContext http, Task<Result<T>> operation, Func<T, Guid> version)
    {
        var result = await operation;
        if (!result.IsSuccess)
        {
            return Problem(result.Error!);
        }

        http.Response.Headers.ETag = EntityTags.Format(version(result.Value!));
        return TypedResults.Ok(result.Value);
    }

    public static async Task<Results<Created<T>, ProblemHttpResult>> Created<T>(Task<Result<T>> operation, Func<T, string> location)
    {
        var result = await operation;
        return result.IsSuccess ? TypedResults.Created(location(result.Value!), result.Value) : Problem(result.Error!);
    }

    /// <summary>202: queued (e.g. a notification to be sent); the body says what was queued.</summary>
    public static async Task<Results<Accepted<T>, ProblemHttpResult>> Accepted<T>(Task<Result<T>> operation)
    {
        var result = await operation;
        return result.IsSuccess ? TypedResults.Accepted((string?)null, result.Value) : Problem(result.Error!);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> NoContent(Task<Result<bool>> operation)
    {
        var result = await operation;
        return result.IsSuccess ? TypedResults.NoContent() : Problem(result.Error!);
    }

    private static string Title(int status) => status switch
    {
        404 => "Not found",
        409 => "Conflict",
        403 => "Forbidden",
        422 => "Unprocessable entity",
        412 => "Precondition failed",
        _ => "Bad request",
    };
}
