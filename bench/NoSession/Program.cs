using VisitTracker;

// VisitTracker's app with the session taken out: the same MVC + Handlebars page, static files and forwarded headers,
// so the load test measures what a session layer costs against it. Listens where --urls says (run.sh: loopback).
VisitTrackerPage.CreateBuilder(args).Build().UsePage(_ => { }).Run();
