using ServerSessions.Sqlite;
using ServerSessions.Testing;

namespace ServerSessions.Tests.Stores;

public sealed class WorkQueueTests
{
    [Fact]
    public async Task WaitingWithASpin_TakesUpAnItemQueuedDuringTheSpin_OrAfterIt()
    {
        var queue = new WorkQueue<int>(10);

        // A spin far longer than the test: the item is added while the waiter spins, or, on a slow machine, after.
        var waiting = Task.Factory.StartNew(() => queue.WaitForItems(TimeSpan.FromSeconds(1)), TaskCreationOptions.LongRunning);
        queue.TryAdd(7);

        Assert.True(await waiting.Within("the waiter to see the item"));
        Assert.True(queue.TryTake(out var item));
        Assert.Equal(7, item);
    }

    [Fact]
    public async Task WaitingWithASpin_EndsFalse_OnceTheQueueIsCompletedAndEmpty()
    {
        var queue = new WorkQueue<int>(10);
        var waiting = Task.Factory.StartNew(() => queue.WaitForItems(TimeSpan.FromMinutes(10)), TaskCreationOptions.LongRunning);

        queue.Complete();

        // Long before the spin would end (and the test's own bound): completing the queue ends the spin too.
        Assert.False(await waiting.Within("the waiter to see the queue completed"));
    }
}
