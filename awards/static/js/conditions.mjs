// Progressive enhancement of a nomination section's conditional questions: a question whose condition is
// on an earlier question of the same page is rendered by the server inside
//   <div class="app-conditional-question" data-condition-question="KEY" data-condition-values='["yes"]'>
// and shown only while that question's answer is one of the values (as the server's condition_holds reads
// it: yes or no as "yes" / "no", several choices by any one of them, text compared without case or
// surrounding spaces). Without JavaScript every such question shows, with a hint saying when to answer it;
// the server decides on save which are asked. Hidden fields keep what was typed in them.

const norm = (value) => String(value).trim().toLowerCase();

function answersOf(form, name) {
  const fields = Array.from(form.elements).filter((field) => field.name === name);
  const values = [];
  for (const field of fields) {
    if (field.type === "radio" || field.type === "checkbox") {
      if (field.checked) values.push(field.value);
    } else if (field.value !== "") {
      values.push(field.value);
    }
  }
  return values.map(norm);
}

function update(form, wrappers) {
  for (const wrapper of wrappers) {
    let wanted = [];
    try {
      wanted = JSON.parse(wrapper.dataset.conditionValues || "[]").map(norm);
    } catch {
      wanted = [];
    }
    const given = answersOf(form, wrapper.dataset.conditionQuestion);
    const holds = given.some((value) => wanted.includes(value));
    wrapper.hidden = !holds;
  }
}

for (const form of document.querySelectorAll("form")) {
  const wrappers = Array.from(form.querySelectorAll(".app-conditional-question[data-condition-question]"));
  if (!wrappers.length) continue;
  const refresh = () => update(form, wrappers);
  form.addEventListener("change", refresh);
  form.addEventListener("input", refresh);
  refresh();
}
