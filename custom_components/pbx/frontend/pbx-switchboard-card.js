var $=globalThis,_=$.ShadowRoot&&($.ShadyCSS===void 0||$.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,M1=Symbol(),x1=new WeakMap,T=class{constructor(C,H,V){if(this._$cssResult$=!0,V!==M1)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=C,this.t=H}get styleSheet(){let C=this.o,H=this.t;if(_&&C===void 0){let V=H!==void 0&&H.length===1;V&&(C=x1.get(H)),C===void 0&&((this.o=C=new CSSStyleSheet).replaceSync(this.cssText),V&&x1.set(H,C))}return C}toString(){return this.cssText}},n1=M=>new T(typeof M=="string"?M:M+"",void 0,M1),F=(M,...C)=>{let H=M.length===1?M[0]:C.reduce((V,L,e)=>V+(r=>{if(r._$cssResult$===!0)return r.cssText;if(typeof r=="number")return r;throw Error("Value passed to 'css' function must be a 'css' function result: "+r+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(L)+M[e+1],M[0]);return new T(H,M,M1)},l1=(M,C)=>{if(_)M.adoptedStyleSheets=C.map(H=>H instanceof CSSStyleSheet?H:H.styleSheet);else for(let H of C){let V=document.createElement("style"),L=$.litNonce;L!==void 0&&V.setAttribute("nonce",L),V.textContent=H.cssText,M.appendChild(V)}},r1=_?M=>M:M=>M instanceof CSSStyleSheet?(C=>{let H="";for(let V of C.cssRules)H+=V.cssText;return n1(H)})(M):M;var{is:i2,defineProperty:o2,getOwnPropertyDescriptor:a2,getOwnPropertyNames:d2,getOwnPropertySymbols:p2,getPrototypeOf:m2}=Object,U=globalThis,Z1=U.trustedTypes,v2=Z1?Z1.emptyScript:"",x2=U.reactiveElementPolyfillSupport,R=(M,C)=>M,e1={toAttribute(M,C){switch(C){case Boolean:M=M?v2:null;break;case Object:case Array:M=M==null?M:JSON.stringify(M)}return M},fromAttribute(M,C){let H=M;switch(C){case Boolean:H=M!==null;break;case Number:H=M===null?null:Number(M);break;case Object:case Array:try{H=JSON.parse(M)}catch{H=null}}return H}},u1=(M,C)=>!i2(M,C),S1={attribute:!0,type:String,converter:e1,reflect:!1,useDefault:!1,hasChanged:u1};Symbol.metadata??=Symbol("metadata"),U.litPropertyMetadata??=new WeakMap;var Z=class extends HTMLElement{static addInitializer(C){this._$Ei(),(this.l??=[]).push(C)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(C,H=S1){if(H.state&&(H.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(C)&&((H=Object.create(H)).wrapped=!0),this.elementProperties.set(C,H),!H.noAccessor){let V=Symbol(),L=this.getPropertyDescriptor(C,V,H);L!==void 0&&o2(this.prototype,C,L)}}static getPropertyDescriptor(C,H,V){let{get:L,set:e}=a2(this.prototype,C)??{get(){return this[H]},set(r){this[H]=r}};return{get:L,set(r){let t=L?.call(this);e?.call(this,r),this.requestUpdate(C,t,V)},configurable:!0,enumerable:!0}}static getPropertyOptions(C){return this.elementProperties.get(C)??S1}static _$Ei(){if(this.hasOwnProperty(R("elementProperties")))return;let C=m2(this);C.finalize(),C.l!==void 0&&(this.l=[...C.l]),this.elementProperties=new Map(C.elementProperties)}static finalize(){if(this.hasOwnProperty(R("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(R("properties"))){let H=this.properties,V=[...d2(H),...p2(H)];for(let L of V)this.createProperty(L,H[L])}let C=this[Symbol.metadata];if(C!==null){let H=litPropertyMetadata.get(C);if(H!==void 0)for(let[V,L]of H)this.elementProperties.set(V,L)}this._$Eh=new Map;for(let[H,V]of this.elementProperties){let L=this._$Eu(H,V);L!==void 0&&this._$Eh.set(L,H)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(C){let H=[];if(Array.isArray(C)){let V=new Set(C.flat(1/0).reverse());for(let L of V)H.unshift(r1(L))}else C!==void 0&&H.push(r1(C));return H}static _$Eu(C,H){let V=H.attribute;return V===!1?void 0:typeof V=="string"?V:typeof C=="string"?C.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(C=>this.enableUpdating=C),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(C=>C(this))}addController(C){(this._$EO??=new Set).add(C),this.renderRoot!==void 0&&this.isConnected&&C.hostConnected?.()}removeController(C){this._$EO?.delete(C)}_$E_(){let C=new Map,H=this.constructor.elementProperties;for(let V of H.keys())this.hasOwnProperty(V)&&(C.set(V,this[V]),delete this[V]);C.size>0&&(this._$Ep=C)}createRenderRoot(){let C=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return l1(C,this.constructor.elementStyles),C}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(C=>C.hostConnected?.())}enableUpdating(C){}disconnectedCallback(){this._$EO?.forEach(C=>C.hostDisconnected?.())}attributeChangedCallback(C,H,V){this._$AK(C,V)}_$ET(C,H){let V=this.constructor.elementProperties.get(C),L=this.constructor._$Eu(C,V);if(L!==void 0&&V.reflect===!0){let e=(V.converter?.toAttribute!==void 0?V.converter:e1).toAttribute(H,V.type);this._$Em=C,e==null?this.removeAttribute(L):this.setAttribute(L,e),this._$Em=null}}_$AK(C,H){let V=this.constructor,L=V._$Eh.get(C);if(L!==void 0&&this._$Em!==L){let e=V.getPropertyOptions(L),r=typeof e.converter=="function"?{fromAttribute:e.converter}:e.converter?.fromAttribute!==void 0?e.converter:e1;this._$Em=L;let t=r.fromAttribute(H,e.type);this[L]=t??this._$Ej?.get(L)??t,this._$Em=null}}requestUpdate(C,H,V,L=!1,e){if(C!==void 0){let r=this.constructor;if(L===!1&&(e=this[C]),V??=r.getPropertyOptions(C),!((V.hasChanged??u1)(e,H)||V.useDefault&&V.reflect&&e===this._$Ej?.get(C)&&!this.hasAttribute(r._$Eu(C,V))))return;this.C(C,H,V)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(C,H,{useDefault:V,reflect:L,wrapped:e},r){V&&!(this._$Ej??=new Map).has(C)&&(this._$Ej.set(C,r??H??this[C]),e!==!0||r!==void 0)||(this._$AL.has(C)||(this.hasUpdated||V||(H=void 0),this._$AL.set(C,H)),L===!0&&this._$Em!==C&&(this._$Eq??=new Set).add(C))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(H){Promise.reject(H)}let C=this.scheduleUpdate();return C!=null&&await C,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[L,e]of this._$Ep)this[L]=e;this._$Ep=void 0}let V=this.constructor.elementProperties;if(V.size>0)for(let[L,e]of V){let{wrapped:r}=e,t=this[L];r!==!0||this._$AL.has(L)||t===void 0||this.C(L,void 0,e,t)}}let C=!1,H=this._$AL;try{C=this.shouldUpdate(H),C?(this.willUpdate(H),this._$EO?.forEach(V=>V.hostUpdate?.()),this.update(H)):this._$EM()}catch(V){throw C=!1,this._$EM(),V}C&&this._$AE(H)}willUpdate(C){}_$AE(C){this._$EO?.forEach(H=>H.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(C)),this.updated(C)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(C){return!0}update(C){this._$Eq&&=this._$Eq.forEach(H=>this._$ET(H,this[H])),this._$EM()}updated(C){}firstUpdated(C){}};Z.elementStyles=[],Z.shadowRootOptions={mode:"open"},Z[R("elementProperties")]=new Map,Z[R("finalized")]=new Map,x2?.({ReactiveElement:Z}),(U.reactiveElementVersions??=[]).push("2.1.2");var A1=globalThis,s1=M=>M,Q=A1.trustedTypes,c1=Q?Q.createPolicy("lit-html",{createHTML:M=>M}):void 0,i1="$lit$",S=`lit$${Math.random().toFixed(9).slice(2)}$`,o1="?"+S,n2=`<${o1}>`,h=document,D=()=>h.createComment(""),N=M=>M===null||typeof M!="object"&&typeof M!="function",a1=Array.isArray,B1=M=>a1(M)||typeof M?.[Symbol.iterator]=="function",t1=`[ 	
\f\r]`,E=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,O1=/-->/g,h1=/>/g,c=RegExp(`>|${t1}(?:([^\\s"'>=/]+)(${t1}*=${t1}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),f1=/'/g,g1=/"/g,P1=/^(?:script|style|textarea|title)$/i,d1=M=>(C,...H)=>({_$litType$:M,strings:C,values:H}),v=d1(1),b1=d1(2),R2=d1(3),u=Symbol.for("lit-noChange"),d=Symbol.for("lit-nothing"),k1=new WeakMap,O=h.createTreeWalker(h,129);function w1(M,C){if(!a1(M)||!M.hasOwnProperty("raw"))throw Error("invalid template strings array");return c1!==void 0?c1.createHTML(C):C}var y1=(M,C)=>{let H=M.length-1,V=[],L,e=C===2?"<svg>":C===3?"<math>":"",r=E;for(let t=0;t<H;t++){let A=M[t],o,a,i=-1,m=0;for(;m<A.length&&(r.lastIndex=m,a=r.exec(A),a!==null);)m=r.lastIndex,r===E?a[1]==="!--"?r=O1:a[1]!==void 0?r=h1:a[2]!==void 0?(P1.test(a[2])&&(L=RegExp("</"+a[2],"g")),r=c):a[3]!==void 0&&(r=c):r===c?a[0]===">"?(r=L??E,i=-1):a[1]===void 0?i=-2:(i=r.lastIndex-a[2].length,o=a[1],r=a[3]===void 0?c:a[3]==='"'?g1:f1):r===g1||r===f1?r=c:r===O1||r===h1?r=E:(r=c,L=void 0);let p=r===c&&M[t+1].startsWith("/>")?" ":"";e+=r===E?A+n2:i>=0?(V.push(o),A.slice(0,i)+i1+A.slice(i)+S+p):A+S+(i===-2?t:p)}return[w1(M,e+(M[H]||"<?>")+(C===2?"</svg>":C===3?"</math>":"")),V]},W=class M{constructor({strings:C,_$litType$:H},V){let L;this.parts=[];let e=0,r=0,t=C.length-1,A=this.parts,[o,a]=y1(C,H);if(this.el=M.createElement(o,V),O.currentNode=this.el.content,H===2||H===3){let i=this.el.content.firstChild;i.replaceWith(...i.childNodes)}for(;(L=O.nextNode())!==null&&A.length<t;){if(L.nodeType===1){if(L.hasAttributes())for(let i of L.getAttributeNames())if(i.endsWith(i1)){let m=a[r++],p=L.getAttribute(i).split(S),x=/([.?@])?(.*)/.exec(m);A.push({type:1,index:e,name:x[2],strings:p,ctor:x[1]==="."?z:x[1]==="?"?K:x[1]==="@"?q:g}),L.removeAttribute(i)}else i.startsWith(S)&&(A.push({type:6,index:e}),L.removeAttribute(i));if(P1.test(L.tagName)){let i=L.textContent.split(S),m=i.length-1;if(m>0){L.textContent=Q?Q.emptyScript:"";for(let p=0;p<m;p++)L.append(i[p],D()),O.nextNode(),A.push({type:2,index:++e});L.append(i[m],D())}}}else if(L.nodeType===8)if(L.data===o1)A.push({type:2,index:e});else{let i=-1;for(;(i=L.data.indexOf(S,i+1))!==-1;)A.push({type:7,index:e}),i+=S.length-1}e++}}static createElement(C,H){let V=h.createElement("template");return V.innerHTML=C,V}};function f(M,C,H=M,V){if(C===u)return C;let L=V!==void 0?H._$Co?.[V]:H._$Cl,e=N(C)?void 0:C._$litDirective$;return L?.constructor!==e&&(L?._$AO?.(!1),e===void 0?L=void 0:(L=new e(M),L._$AT(M,H,V)),V!==void 0?(H._$Co??=[])[V]=L:H._$Cl=L),L!==void 0&&(C=f(M,L._$AS(M,C.values),L,V)),C}var G=class{constructor(C,H){this._$AV=[],this._$AN=void 0,this._$AD=C,this._$AM=H}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(C){let{el:{content:H},parts:V}=this._$AD,L=(C?.creationScope??h).importNode(H,!0);O.currentNode=L;let e=O.nextNode(),r=0,t=0,A=V[0];for(;A!==void 0;){if(r===A.index){let o;A.type===2?o=new B(e,e.nextSibling,this,C):A.type===1?o=new A.ctor(e,A.name,A.strings,this,C):A.type===6&&(o=new j(e,this,C)),this._$AV.push(o),A=V[++t]}r!==A?.index&&(e=O.nextNode(),r++)}return O.currentNode=h,L}p(C){let H=0;for(let V of this._$AV)V!==void 0&&(V.strings!==void 0?(V._$AI(C,V,H),H+=V.strings.length-2):V._$AI(C[H])),H++}},B=class M{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(C,H,V,L){this.type=2,this._$AH=d,this._$AN=void 0,this._$AA=C,this._$AB=H,this._$AM=V,this.options=L,this._$Cv=L?.isConnected??!0}get parentNode(){let C=this._$AA.parentNode,H=this._$AM;return H!==void 0&&C?.nodeType===11&&(C=H.parentNode),C}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(C,H=this){C=f(this,C,H),N(C)?C===d||C==null||C===""?(this._$AH!==d&&this._$AR(),this._$AH=d):C!==this._$AH&&C!==u&&this._(C):C._$litType$!==void 0?this.$(C):C.nodeType!==void 0?this.T(C):B1(C)?this.k(C):this._(C)}O(C){return this._$AA.parentNode.insertBefore(C,this._$AB)}T(C){this._$AH!==C&&(this._$AR(),this._$AH=this.O(C))}_(C){this._$AH!==d&&N(this._$AH)?this._$AA.nextSibling.data=C:this.T(h.createTextNode(C)),this._$AH=C}$(C){let{values:H,_$litType$:V}=C,L=typeof V=="number"?this._$AC(C):(V.el===void 0&&(V.el=W.createElement(w1(V.h,V.h[0]),this.options)),V);if(this._$AH?._$AD===L)this._$AH.p(H);else{let e=new G(L,this),r=e.u(this.options);e.p(H),this.T(r),this._$AH=e}}_$AC(C){let H=k1.get(C.strings);return H===void 0&&k1.set(C.strings,H=new W(C)),H}k(C){a1(this._$AH)||(this._$AH=[],this._$AR());let H=this._$AH,V,L=0;for(let e of C)L===H.length?H.push(V=new M(this.O(D()),this.O(D()),this,this.options)):V=H[L],V._$AI(e),L++;L<H.length&&(this._$AR(V&&V._$AB.nextSibling,L),H.length=L)}_$AR(C=this._$AA.nextSibling,H){for(this._$AP?.(!1,!0,H);C!==this._$AB;){let V=s1(C).nextSibling;s1(C).remove(),C=V}}setConnected(C){this._$AM===void 0&&(this._$Cv=C,this._$AP?.(C))}},g=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(C,H,V,L,e){this.type=1,this._$AH=d,this._$AN=void 0,this.element=C,this.name=H,this._$AM=L,this.options=e,V.length>2||V[0]!==""||V[1]!==""?(this._$AH=Array(V.length-1).fill(new String),this.strings=V):this._$AH=d}_$AI(C,H=this,V,L){let e=this.strings,r=!1;if(e===void 0)C=f(this,C,H,0),r=!N(C)||C!==this._$AH&&C!==u,r&&(this._$AH=C);else{let t=C,A,o;for(C=e[0],A=0;A<e.length-1;A++)o=f(this,t[V+A],H,A),o===u&&(o=this._$AH[A]),r||=!N(o)||o!==this._$AH[A],o===d?C=d:C!==d&&(C+=(o??"")+e[A+1]),this._$AH[A]=o}r&&!L&&this.j(C)}j(C){C===d?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,C??"")}},z=class extends g{constructor(){super(...arguments),this.type=3}j(C){this.element[this.name]=C===d?void 0:C}},K=class extends g{constructor(){super(...arguments),this.type=4}j(C){this.element.toggleAttribute(this.name,!!C&&C!==d)}},q=class extends g{constructor(C,H,V,L,e){super(C,H,V,L,e),this.type=5}_$AI(C,H=this){if((C=f(this,C,H,0)??d)===u)return;let V=this._$AH,L=C===d&&V!==d||C.capture!==V.capture||C.once!==V.once||C.passive!==V.passive,e=C!==d&&(V===d||L);L&&this.element.removeEventListener(this.name,this,V),e&&this.element.addEventListener(this.name,this,C),this._$AH=C}handleEvent(C){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,C):this._$AH.handleEvent(C)}},j=class{constructor(C,H,V){this.element=C,this.type=6,this._$AN=void 0,this._$AM=H,this.options=V}get _$AU(){return this._$AM._$AU}_$AI(C){f(this,C)}},T1={M:i1,P:S,A:o1,C:1,L:y1,R:G,D:B1,V:f,I:B,H:g,N:K,U:q,B:z,F:j},l2=A1.litHtmlPolyfillSupport;l2?.(W,B),(A1.litHtmlVersions??=[]).push("3.3.3");var F1=(M,C,H)=>{let V=H?.renderBefore??C,L=V._$litPart$;if(L===void 0){let e=H?.renderBefore??null;V._$litPart$=L=new B(C.insertBefore(D(),e),e,void 0,H??{})}return L._$AI(M),L};var p1=globalThis,n=class extends Z{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let C=super.createRenderRoot();return this.renderOptions.renderBefore??=C.firstChild,C}update(C){let H=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(C),this._$Do=F1(H,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return u}};n._$litElement$=!0,n.finalized=!0,p1.litElementHydrateSupport?.({LitElement:n});var Z2=p1.litElementPolyfillSupport;Z2?.({LitElement:n});(p1.litElementVersions??=[]).push("4.2.2");var R1={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},E1=M=>(...C)=>({_$litDirective$:M,values:C}),X=class{constructor(C){}get _$AU(){return this._$AM._$AU}_$AT(C,H,V){this._$Ct=C,this._$AM=H,this._$Ci=V}_$AS(C,H){return this.update(C,H)}update(C,H){return this.render(...H)}};var{I:S2}=T1,D1=M=>M;var N1=()=>document.createComment(""),P=(M,C,H)=>{let V=M._$AA.parentNode,L=C===void 0?M._$AB:C._$AA;if(H===void 0){let e=V.insertBefore(N1(),L),r=V.insertBefore(N1(),L);H=new S2(e,r,M,M.options)}else{let e=H._$AB.nextSibling,r=H._$AM,t=r!==M;if(t){let A;H._$AQ?.(M),H._$AM=M,H._$AP!==void 0&&(A=M._$AU)!==r._$AU&&H._$AP(A)}if(e!==L||t){let A=H._$AA;for(;A!==e;){let o=D1(A).nextSibling;D1(V).insertBefore(A,L),A=o}}}return H},s=(M,C,H=M)=>(M._$AI(C,H),M),u2={},W1=(M,C=u2)=>M._$AH=C,I1=M=>M._$AH,Y=M=>{M._$AR(),M._$AA.remove()};var $1=(M,C,H)=>{let V=new Map;for(let L=C;L<=H;L++)V.set(M[L],L);return V},_1=E1(class extends X{constructor(M){if(super(M),M.type!==R1.CHILD)throw Error("repeat() can only be used in text expressions")}dt(M,C,H){let V;H===void 0?H=C:C!==void 0&&(V=C);let L=[],e=[],r=0;for(let t of M)L[r]=V?V(t,r):r,e[r]=H(t,r),r++;return{values:e,keys:L}}render(M,C,H){return this.dt(M,C,H).values}update(M,[C,H,V]){let L=I1(M),{values:e,keys:r}=this.dt(C,H,V);if(!Array.isArray(L))return this.ut=r,e;let t=this.ut??=[],A=[],o,a,i=0,m=L.length-1,p=0,x=e.length-1;for(;i<=m&&p<=x;)if(L[i]===null)i++;else if(L[m]===null)m--;else if(t[i]===r[p])A[p]=s(L[i],e[p]),i++,p++;else if(t[m]===r[x])A[x]=s(L[m],e[x]),m--,x--;else if(t[i]===r[x])A[x]=s(L[i],e[x]),P(M,A[x+1],L[i]),i++,x--;else if(t[m]===r[p])A[p]=s(L[m],e[p]),P(M,L[i],L[m]),m--,p++;else if(o===void 0&&(o=$1(r,p,x),a=$1(t,i,m)),o.has(t[i]))if(o.has(t[m])){let l=a.get(r[p]),L1=l!==void 0?L[l]:null;if(L1===null){let v1=P(M,L[i]);s(v1,e[p]),A[p]=v1}else A[p]=s(L1,e[p]),P(M,L[i],L1),L[l]=null;p++}else Y(L[m]),m--;else Y(L[i]),i++;for(;p<=x;){let l=P(M,A[x+1]);s(l,e[p]),A[p++]=l}for(;i<=m;){let l=L[i++];l!==null&&Y(l)}return this.ut=r,W1(M,A),u}});var s2=new Set(["idle","ringing","calling","in_call","on_hold","offline"]),b=new Set(["ringing","calling","in_call","on_hold"]),U1=(M,C)=>M.number.localeCompare(C.number,void 0,{numeric:!0});function z1(M){return M.name_by_user??M.name??""}function Q1(M,C){let H=z1(M),V=` (${C})`;return H.endsWith(V)?H.slice(0,-V.length):H===C?"":H}function G1(M){return M.identifiers.find(([C])=>C==="pbx")?.[1]}function k(M){let C=new Map,H=[];for(let r of Object.values(M.devices)){if(r===void 0)continue;let t=G1(r);if(t!==void 0){if(r.via_device_id){H.push(r);continue}C.set(r.id,{uid:t,entryId:r.config_entries[0]??"",deviceId:r.id,name:z1(r),extensions:[],queues:[]})}}let V=new Map,L=new Map;for(let r of H){let t=C.get(r.via_device_id??""),A=G1(r);if(t===void 0||A===void 0)continue;let o=A.startsWith(`${t.uid}-`)?A.slice(t.uid.length+1):"";if(o.startsWith("ext-")){let a=o.slice(4),i={number:a,name:Q1(r,a),deviceId:r.id};t.extensions.push(i),V.set(r.id,i)}else if(o.startsWith("queue-")){let a=o.slice(6),i={number:a,name:Q1(r,a),deviceId:r.id};t.queues.push(i),L.set(r.id,i)}}for(let r of Object.values(M.entities)){if(r?.platform!=="pbx"||!r.device_id)continue;let t=r.entity_id,A=r.translation_key,o=V.get(r.device_id);if(o!==void 0){A==="extension_status"?o.status=t:A==="dnd"?o.dnd=t:A==="call"&&(o.call=t);continue}let a=L.get(r.device_id);if(a!==void 0){A==="queue_waiting"?a.waiting=t:A==="queue_agents_available"&&(a.available=t);continue}let i=C.get(r.device_id);i!==void 0&&(A==="active_calls"?i.activeCalls=t:A==="events"&&(i.events=t))}let e=[...C.values()];for(let r of e)r.extensions.sort(U1),r.queues.sort(U1);return e.sort((r,t)=>r.name.localeCompare(t.name))}function c2(M){let C=M?.state;return C!==void 0&&s2.has(C)?C:"unknown"}function m1(M){return typeof M=="string"&&M!==""?M:typeof M=="number"?String(M):null}function O2(M,C){if(!b.has(M)||C===void 0)return null;let H=C.attributes,V=H.event_type;if(V!=="incoming"&&V!=="outgoing"&&V!=="answered")return null;let L=V==="outgoing"||H.direction==="outbound",e=m1(L?H.callee_number:H.caller_number),r=L?null:m1(H.caller_name);return e===null?r:r!==null&&r!==e?`${r} (${e})`:e}function h2(M,C){return M.number===C.number&&M.name===C.name&&M.status===C.status&&M.statusLabel===C.statusLabel&&M.dnd===C.dnd&&M.peer===C.peer}var J=class{constructor(){this.previous=new Map;this.labels=new Map;this.labelsFor=void 0}build(C,H){this.labelsFor!==C.formatEntityState&&(this.labels.clear(),this.labelsFor=C.formatEntityState);let V=new Map,L=H.map(e=>{let r=e.status?C.states[e.status]:void 0,t=c2(r),A=e.dnd?C.states[e.dnd]?.state:void 0,o={number:e.number,name:e.name,status:t,statusLabel:this.label(C,r,t),dnd:e.dnd===void 0?null:A==="on",peer:O2(t,e.call?C.states[e.call]:void 0)},a=this.previous.get(e.number),i=a!==void 0&&h2(a,o)?a:o;return V.set(e.number,i),i});return this.previous=V,L}label(C,H,V){let L=H?.state??"unknown",e=this.labels.get(L);return e===void 0&&(e=H!==void 0&&C.formatEntityState?C.formatEntityState(H):f2[V],this.labels.set(L,e)),e}},f2={idle:"Idle",ringing:"Ringing",calling:"Calling",in_call:"In a call",on_hold:"On hold",offline:"Offline",unknown:"Unknown"};function K1(M,C,H){return C==="busy"&&!b.has(M.status)||C==="offline"&&M.status!=="offline"&&M.status!=="unknown"?!1:H===""?!0:M.number.includes(H)||M.name.toLowerCase().includes(H)}var g2=[{value:"all",label:"All"},{value:"busy",label:"Busy"},{value:"offline",label:"Offline"}],q1={small:"120px",medium:"160px",large:"210px"};function k2(M){if(typeof M=="object"&&M!==null&&"message"in M){let C=M.message;if(typeof C=="string"&&C!=="")return C}return String(M)}var w=class extends n{constructor(){super();this.pbxs=[];this.pbxsFrom=[];this.models=new J;this.tiles=[];this.onTileAction=H=>{H.stopPropagation();let V=this.pbx;if(V===void 0)return;let{action:L,number:e}=H.detail,r={config_entry_id:V.entryId};if(L==="dial"){let t=this.caller;if(t===void 0){this.toast("Choose the extension to call from first");return}this.call("pbx","dial",{...r,extension:t,number:e},`Calling ${e} from ${t}`)}else if(L==="hangup")this.call("pbx","hangup",{...r,extension:e},`Hung up ${e}`);else{let t=V.extensions.find(o=>o.number===e);if(t?.dnd===void 0)return;let A=this.hass?.states[t.dnd]?.state==="on";this.call("switch",A?"turn_off":"turn_on",{entity_id:t.dnd},`Do not disturb ${A?"off":"on"} for ${e}`)}};this.filter="all",this.search=""}static getConfigElement(){return document.createElement("pbx-switchboard-card-editor")}static getStubConfig(H){let[V]=k(H),L={type:"custom:pbx-switchboard-card"};return V!==void 0&&(L.pbx=V.entryId),L}setConfig(H){if(typeof H!="object"||H===null)throw new Error("Invalid configuration");for(let V of["extensions","queues"]){let L=H[V];if(L!==void 0&&!Array.isArray(L))throw new Error(`${V} must be a list of numbers`)}if(H.tile_size!==void 0&&!(H.tile_size in q1))throw new Error("tile_size must be small, medium or large");this.config=H}getCardSize(){return 3+Math.ceil(this.tiles.length/4)}getGridOptions(){return{columns:12,min_columns:6,min_rows:3}}get pbx(){let H=this.config?.pbx;return H?this.pbxs.find(V=>V.entryId===H):this.pbxs[0]}get caller(){let H=this.chosenCaller??this.config?.caller??this.defaultCaller();return H?String(H):void 0}defaultCaller(){let H=this.pbx?.activeCalls,V=H?this.hass?.states[H]?.attributes.default_extension:void 0;return typeof V=="string"||typeof V=="number"?String(V):void 0}willUpdate(H){let V=this.hass;if(!(V===void 0||this.config===void 0)&&((this.pbxsFrom[0]!==V.devices||this.pbxsFrom[1]!==V.entities)&&(this.pbxs=k(V),this.pbxsFrom=[V.devices,V.entities]),H.has("hass")||H.has("config"))){let L=this.pbx,e=this.config.extensions?.map(String),r=L?.extensions.filter(t=>e===void 0||e.includes(t.number));this.tiles=this.models.build(V,r??[])}}toast(H){this.dispatchEvent(new CustomEvent("hass-notification",{detail:{message:H},bubbles:!0,composed:!0}))}async call(H,V,L,e){if(this.hass!==void 0)try{await this.hass.callService(H,V,L),this.toast(e)}catch(r){this.toast(k2(r))}}renderHeader(H){let V=this.hass,L=H.activeCalls?V?.states[H.activeCalls]:void 0,e=H.events?V?.states[H.events]:void 0,r=this.tiles.filter(t=>b.has(t.status)).length;return v`
      <div class="header">
        <h2 class="title">${this.config?.title??H.name}</h2>
        <span class="chips">
          ${L===void 0?d:v`<span class="chip" data-chip="active-calls"
                >${L.state==="unavailable"?"–":L.state} active calls</span
              >`}
          <span class="chip">${r} / ${this.tiles.length} busy</span>
          ${e===void 0?d:v`<span class="chip events ${e.state}" data-chip="events"
                >${e.state==="on"?"Live events":"Live events down"}</span
              >`}
        </span>
      </div>
    `}renderToolbar(H){let V=this.caller;return v`
      <div class="toolbar">
        <div class="filters" role="group" aria-label="Show">
          ${g2.map(L=>v`<button
              class="filter"
              aria-pressed=${this.filter===L.value?"true":"false"}
              @click=${()=>{this.filter=L.value}}
            >
              ${L.label}
            </button>`)}
        </div>
        <input
          class="search"
          type="search"
          placeholder="Search name or number"
          aria-label="Search extensions by name or number"
          .value=${this.search}
          @input=${L=>{this.search=L.target.value}}
        />
        <label class="caller">
          <span>Call from</span>
          <select
            aria-label="Extension to call from"
            @change=${L=>{this.chosenCaller=L.target.value||void 0}}
          >
            <option value="" ?selected=${V===void 0}>—</option>
            ${H.extensions.map(L=>v`<option value=${L.number} ?selected=${L.number===V}>
                  ${L.number}${L.name?` ${L.name}`:""}
                </option>`)}
          </select>
        </label>
      </div>
    `}renderQueues(H){if(this.config?.show_queues===!1)return d;let V=this.config?.queues?.map(String),L=H.queues.filter(r=>V===void 0||V.includes(r.number));if(L.length===0)return d;let e=r=>{let t=r?this.hass?.states[r]?.state:void 0;return t===void 0||t==="unavailable"||t==="unknown"?"–":t};return v`
      <ul class="queues" aria-label="Queues">
        ${L.map(r=>{let t=e(r.waiting);return v`<li class="queue ${t!=="–"&&t!=="0"?"waiting":""}"
            data-queue=${r.number}>
            <span class="queue-name">${r.name||r.number}</span>
            <span class="queue-number">${r.number}</span>
            <span class="figure"><b>${t}</b> waiting</span>
            <span class="figure"><b>${e(r.available)}</b> agents available</span>
          </li>`})}
      </ul>
    `}render(){if(this.config===void 0||this.hass===void 0)return d;let H=this.pbx;if(H===void 0)return v`<ha-card><div class="empty">No PBX found: add the PBX integration first.</div></ha-card>`;let V=this.search.trim().toLowerCase(),L=this.filter==="all"&&V===""?this.tiles:this.tiles.filter(t=>K1(t,this.filter,V)),e=this.config.tile_size??"medium",r=this.caller;return v`
      <ha-card>
        ${this.renderHeader(H)} ${this.renderToolbar(H)} ${this.renderQueues(H)}
        <div
          class="grid"
          role="list"
          aria-label="Extensions"
          style="--tile-width: ${q1[e]}"
          @pbx-tile-action=${this.onTileAction}
        >
          ${_1(L,t=>t.number,t=>v`<pbx-switchboard-tile
                role="listitem"
                .tile=${t}
                .caller=${r}
                size=${e}
              ></pbx-switchboard-tile>`)}
        </div>
        ${L.length===0?v`<div class="empty">No extension to show.</div>`:d}
      </ha-card>
    `}};w.properties={hass:{attribute:!1},config:{state:!0},filter:{state:!0},search:{state:!0},chosenCaller:{state:!0}},w.styles=F`
    ha-card {
      display: block;
      padding: 12px;
      box-sizing: border-box;
      height: 100%;
      overflow: auto;
    }
    .header {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: 8px;
    }
    .title {
      margin: 0;
      font-size: var(--ha-card-header-font-size, 20px);
      font-weight: 400;
      color: var(--ha-card-header-color, var(--primary-text-color));
    }
    .chips {
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
    }
    .chip {
      font-size: 0.8em;
      padding: 2px 8px;
      border-radius: 10px;
      background: var(--secondary-background-color, rgba(0, 0, 0, 0.06));
      color: var(--primary-text-color);
    }
    .events.on {
      color: var(--success-color, #43a047);
    }
    .events.off,
    .events.unavailable {
      color: var(--error-color, #db4437);
    }
    .toolbar {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px;
      margin: 10px 0;
    }
    .filters {
      display: inline-flex;
      border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
      border-radius: 16px;
      overflow: hidden;
    }
    .filter {
      font: inherit;
      border: none;
      padding: 4px 12px;
      background: none;
      color: var(--primary-text-color);
      cursor: pointer;
    }
    .filter[aria-pressed="true"] {
      background: var(--primary-color);
      color: var(--text-primary-color, #fff);
    }
    .filter:focus-visible,
    .search:focus-visible,
    select:focus-visible {
      outline: 2px solid var(--primary-color);
      outline-offset: 1px;
    }
    .search,
    select {
      font: inherit;
      padding: 4px 8px;
      border-radius: 8px;
      border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
      background: var(--card-background-color, #fff);
      color: var(--primary-text-color);
    }
    .search {
      flex: 1;
      min-width: 120px;
    }
    .caller {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      color: var(--secondary-text-color);
    }
    select {
      max-width: 160px;
    }
    .queues {
      list-style: none;
      margin: 0 0 10px;
      padding: 0;
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
    }
    .queue {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 4px 10px;
      padding: 6px 10px;
      border-radius: 8px;
      border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
      color: var(--primary-text-color);
    }
    .queue.waiting {
      border-color: var(--warning-color, #ffa600);
    }
    .queue-name {
      font-weight: 500;
    }
    .queue-number,
    .figure {
      font-size: 0.85em;
      color: var(--secondary-text-color);
    }
    .grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(min(var(--tile-width), 100%), 1fr));
      gap: 8px;
    }
    .empty {
      padding: 16px;
      color: var(--secondary-text-color);
      text-align: center;
    }
    @media (max-width: 450px) {
      .grid {
        grid-template-columns: repeat(2, minmax(0, 1fr));
      }
      select {
        max-width: 120px;
      }
    }
  `;var B2={title:"Title",pbx:"PBX",caller:"Call from extension",extensions:"Extensions shown (none: all)",queues:"Queues shown (none: all)",show_queues:"Show queues",tile_size:"Tile size"},P2=[{value:"small",label:"Small"},{value:"medium",label:"Medium"},{value:"large",label:"Large"}];function H1(M,C=!1){return{select:{options:M,multiple:C,mode:"dropdown",custom_value:!C}}}var I=class extends n{constructor(){super(...arguments);this.changed=H=>{H.stopPropagation();let V=Object.fromEntries(Object.entries(H.detail.value).filter(([,L])=>L!==""&&L!==void 0&&!(Array.isArray(L)&&L.length===0)));this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:V},bubbles:!0,composed:!0}))}}setConfig(H){this.config=H}schema(){let H=this.hass?k(this.hass):[],V=H.find(r=>r.entryId===this.config?.pbx)??H[0],L=r=>r.map(t=>({value:t.number,label:t.name?`${t.name} (${t.number})`:t.number})),e=L(V?.extensions??[]);return[{name:"title",selector:{text:{}}},{name:"pbx",selector:H1(H.map(r=>({value:r.entryId,label:r.name})))},{name:"caller",selector:H1(e)},{name:"extensions",selector:H1(e,!0)},{name:"queues",selector:H1(L(V?.queues??[]),!0)},{type:"grid",name:"",schema:[{name:"show_queues",selector:{boolean:{}}},{name:"tile_size",selector:{select:{options:P2,mode:"dropdown"}}}]}]}render(){return this.hass===void 0||this.config===void 0?d:v`<ha-form
      .hass=${this.hass}
      .data=${{show_queues:!0,tile_size:"medium",...this.config}}
      .schema=${this.schema()}
      .computeLabel=${H=>B2[H.name]??H.name}
      @value-changed=${this.changed}
    ></ha-form>`}};I.properties={hass:{attribute:!1},config:{state:!0}};function j1(M,C){let H=M.entities[C];if(H?.platform!=="pbx"||!H.device_id)return null;let V=M.devices[H.device_id];if(V===void 0)return null;let L=V.via_device_id??V.id,e=k(M).find(r=>r.deviceId===L);return e===void 0?null:{label:`Switchboard of ${e.name}`,config:{type:"custom:pbx-switchboard-card",pbx:e.entryId}}}var X1="M11,18H13V16H11V18M12,2A10,10 0 0,0 2,12A10,10 0 0,0 12,22A10,10 0 0,0 22,12A10,10 0 0,0 12,2M12,20C7.59,20 4,16.41 4,12C4,7.59 7.59,4 12,4C16.41,4 20,7.59 20,12C20,16.41 16.41,20 12,20M12,6A4,4 0 0,0 8,10H10A2,2 0 0,1 12,8A2,2 0 0,1 14,10C14,12 11,11.75 11,15H13C13,12.75 16,12.5 16,10A4,4 0 0,0 12,6Z";var Y1="M17,13H7V11H17M12,2A10,10 0 0,0 2,12A10,10 0 0,0 12,22A10,10 0 0,0 22,12A10,10 0 0,0 12,2Z";var J1="M6.62,10.79C8.06,13.62 10.38,15.94 13.21,17.38L15.41,15.18C15.69,14.9 16.08,14.82 16.43,14.93C17.55,15.3 18.75,15.5 20,15.5A1,1 0 0,1 21,16.5V20A1,1 0 0,1 20,21A17,17 0 0,1 3,4A1,1 0 0,1 4,3H7.5A1,1 0 0,1 8.5,4C8.5,5.25 8.7,6.45 9.07,7.57C9.18,7.92 9.1,8.31 8.82,8.59L6.62,10.79Z";var C2="M12,9C10.4,9 8.85,9.25 7.4,9.72V12.82C7.4,13.22 7.17,13.56 6.84,13.72C5.86,14.21 4.97,14.84 4.17,15.57C4,15.75 3.75,15.86 3.5,15.86C3.2,15.86 2.95,15.74 2.77,15.56L0.29,13.08C0.11,12.9 0,12.65 0,12.38C0,12.1 0.11,11.85 0.29,11.67C3.34,8.77 7.46,7 12,7C16.54,7 20.66,8.77 23.71,11.67C23.89,11.85 24,12.1 24,12.38C24,12.65 23.89,12.9 23.71,13.08L21.23,15.56C21.05,15.74 20.8,15.86 20.5,15.86C20.25,15.86 20,15.75 19.82,15.57C19.03,14.84 18.14,14.21 17.16,13.72C16.83,13.56 16.6,13.22 16.6,12.82V9.72C15.15,9.25 13.6,9 12,9Z";var H2="M15,12H17A5,5 0 0,0 12,7V9A3,3 0 0,1 15,12M19,12H21C21,7 16.97,3 12,3V5C15.86,5 19,8.13 19,12M20,15.5C18.75,15.5 17.55,15.3 16.43,14.93C16.08,14.82 15.69,14.9 15.41,15.18L13.21,17.38C10.38,15.94 8.06,13.62 6.62,10.79L8.82,8.59C9.1,8.31 9.18,7.92 9.07,7.57C8.7,6.45 8.5,5.25 8.5,4A1,1 0 0,0 7.5,3H4A1,1 0 0,0 3,4A17,17 0 0,0 20,21A1,1 0 0,0 21,20V16.5A1,1 0 0,0 20,15.5Z";var V2="M20.22,2.5L2.5,20.22L3.77,21.5L8.65,16.62C11.76,19.43 15.81,21 20,21A1,1 0 0,0 21,20V16.5A1,1 0 0,0 20,15.5C18.75,15.5 17.55,15.3 16.43,14.93C16.08,14.82 15.69,14.9 15.41,15.18L13.21,17.38C12.06,16.8 11,16.06 10.06,15.21L21.5,3.77L20.22,2.5M4,3A1,1 0 0,0 3,4C3,7.57 4.14,11.05 6.24,13.94L7.66,12.5C7.28,11.97 6.93,11.39 6.62,10.79L8.82,8.59C9.1,8.31 9.18,7.92 9.07,7.57C8.7,6.45 8.5,5.25 8.5,4A1,1 0 0,0 7.5,3H4Z";var L2="M4,3A1,1 0 0,0 3,4A17,17 0 0,0 20,21A1,1 0 0,0 21,20V16.5A1,1 0 0,0 20,15.5C18.75,15.5 17.55,15.3 16.43,14.93C16.08,14.82 15.69,14.9 15.41,15.17L13.21,17.37C10.38,15.93 8.06,13.62 6.62,10.78L8.82,8.57C9.1,8.31 9.18,7.92 9.07,7.57C8.7,6.45 8.5,5.25 8.5,4A1,1 0 0,0 7.5,3H4M15,3V4.5H18.5L13,10L14,11L19.5,5.5V9H21V3H15Z";var M2="M19,10H21V3H19M20,15.5C18.75,15.5 17.55,15.3 16.43,14.93C16.08,14.82 15.69,14.9 15.41,15.18L13.21,17.38C10.38,15.94 8.06,13.62 6.62,10.79L8.82,8.59C9.1,8.31 9.18,7.92 9.07,7.57C8.7,6.45 8.5,5.25 8.5,4A1,1 0 0,0 7.5,3H4A1,1 0 0,0 3,4A17,17 0 0,0 20,21A1,1 0 0,0 21,20V16.5A1,1 0 0,0 20,15.5M17,3H15V10H17V3Z";var r2="M23.71 16.67C20.66 13.78 16.54 12 12 12S3.34 13.78.29 16.67c-.18.18-.29.43-.29.71 0 .28.11.53.29.71l2.48 2.48c.18.18.43.29.71.29.27 0 .52-.11.7-.28.79-.74 1.69-1.36 2.66-1.85.33-.16.56-.5.56-.9v-3.1c1.45-.48 3-.73 4.6-.73s3.15.25 4.6.72v3.1c0 .39.23.74.56.9.98.49 1.87 1.12 2.66 1.85.18.18.43.28.7.28.28 0 .53-.11.71-.29l2.48-2.48c.18-.18.29-.43.29-.71a.99.99 0 0 0-.29-.7zM21.16 6.26l-1.41-1.41-3.56 3.55 1.41 1.41s3.45-3.52 3.56-3.55zM13 2h-2v5h2V2zM6.4 9.81L7.81 8.4 4.26 4.84 2.84 6.26c.11.03 3.56 3.55 3.56 3.55z";var e2={idle:J1,ringing:r2,calling:L2,in_call:H2,on_hold:M2,offline:V2,unknown:X1},t2=Y1,A2=C2;function V1(M){return b1`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d=${M}></path></svg>`}var y=class extends n{constructor(){super(),this.size="medium"}willUpdate(C){C.has("tile")&&this.tile!==void 0&&(this.dataset.number=this.tile.number,this.dataset.status=this.tile.status)}fire(C){this.tile!==void 0&&this.dispatchEvent(new CustomEvent("pbx-tile-action",{detail:{action:C,number:this.tile.number},bubbles:!0}))}render(){let C=this.tile;if(C===void 0)return d;let H=C.name?`${C.name} (${C.number})`:C.number,V=C.number===this.caller,L=this.caller===void 0||V?`${H}: ${C.statusLabel}`:`Call ${H} from ${this.caller}: ${C.statusLabel}`,e=b.has(C.status);return v`
      <div class="tile ${C.status}">
        <button
          class="main"
          aria-label=${L}
          title=${L}
          ?disabled=${V}
          @click=${()=>{this.fire("dial")}}
        >
          <span class="icon">${V1(e2[C.status])}</span>
          <span class="text">
            <span class="name">${C.name||C.number}</span>
            <span class="number">${C.number}</span>
            <span class="state">${C.peer??C.statusLabel}</span>
          </span>
        </button>
        <span class="side">
          ${C.dnd===null?d:v`<button
                class="dnd ${C.dnd?"on":""}"
                aria-pressed=${C.dnd?"true":"false"}
                aria-label="Do not disturb ${H}"
                title="Do not disturb"
                @click=${()=>{this.fire("dnd")}}
              >
                ${V1(t2)}
              </button>`}
          ${e?v`<button
                class="hangup"
                aria-label="Hang up ${H}"
                title="Hang up"
                @click=${()=>{this.fire("hangup")}}
              >
                ${V1(A2)}
              </button>`:d}
        </span>
      </div>
    `}};y.properties={tile:{attribute:!1},size:{reflect:!0},caller:{attribute:!1}},y.styles=F`
    :host {
      display: block;
      --tile-color: var(--disabled-text-color, #9e9e9e);
    }
    .tile {
      display: flex;
      align-items: stretch;
      border-radius: var(--ha-card-border-radius, 12px);
      border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
      border-left: 4px solid var(--tile-color);
      background: var(--card-background-color, var(--ha-card-background, #fff));
      color: var(--primary-text-color);
      overflow: hidden;
      height: 100%;
      box-sizing: border-box;
    }
    .idle {
      --tile-color: var(--success-color, #43a047);
    }
    .ringing {
      --tile-color: var(--warning-color, #ffa600);
    }
    .calling {
      --tile-color: var(--info-color, #039be5);
    }
    .in_call {
      --tile-color: var(--error-color, #db4437);
    }
    .on_hold {
      --tile-color: var(--purple-color, #926bc7);
    }
    .offline,
    .unknown {
      --tile-color: var(--disabled-text-color, #9e9e9e);
    }
    .offline .text,
    .unknown .text {
      opacity: 0.6;
    }
    button {
      font: inherit;
      color: inherit;
      background: none;
      border: none;
      cursor: pointer;
      padding: 0;
      border-radius: 8px;
    }
    button:focus-visible {
      outline: 2px solid var(--primary-color);
      outline-offset: -2px;
    }
    button:disabled {
      cursor: default;
    }
    .main {
      flex: 1;
      min-width: 0;
      display: flex;
      align-items: center;
      gap: 8px;
      padding: 8px;
      text-align: start;
    }
    .main:hover:not(:disabled) {
      background: var(--secondary-background-color, rgba(0, 0, 0, 0.04));
    }
    .icon {
      flex: none;
      display: flex;
      align-items: center;
      justify-content: center;
      width: 36px;
      height: 36px;
      border-radius: 50%;
      color: var(--tile-color);
      background: color-mix(in srgb, var(--tile-color) 18%, transparent);
    }
    svg {
      width: 20px;
      height: 20px;
      fill: currentColor;
    }
    .ringing .icon {
      animation: ring 1s ease-in-out infinite;
    }
    @keyframes ring {
      0%,
      100% {
        transform: rotate(0);
        box-shadow: 0 0 0 0 color-mix(in srgb, var(--tile-color) 60%, transparent);
      }
      20% {
        transform: rotate(-15deg);
      }
      40% {
        transform: rotate(15deg);
      }
      60% {
        transform: rotate(0);
        box-shadow: 0 0 0 8px transparent;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .ringing .icon {
        animation: none;
        outline: 2px solid var(--tile-color);
      }
    }
    .text {
      display: flex;
      flex-direction: column;
      min-width: 0;
      line-height: 1.25;
    }
    .text > span {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .name {
      font-weight: 500;
    }
    .number,
    .state {
      font-size: 0.85em;
      color: var(--secondary-text-color);
    }
    .side {
      display: flex;
      flex-direction: column;
      justify-content: center;
    }
    .side button {
      width: 32px;
      height: 32px;
      display: flex;
      align-items: center;
      justify-content: center;
      color: var(--secondary-text-color);
    }
    .dnd {
      opacity: 0.35;
    }
    .dnd.on {
      opacity: 1;
      color: var(--error-color, #db4437);
    }
    .hangup {
      color: var(--error-color, #db4437) !important;
    }
    :host([size="small"]) .icon {
      width: 28px;
      height: 28px;
    }
    :host([size="small"]) .number {
      display: none;
    }
    :host([size="small"]) .main {
      padding: 4px 6px;
    }
    :host([size="large"]) .main {
      padding: 12px;
    }
    :host([size="large"]) .icon {
      width: 48px;
      height: 48px;
    }
    :host([size="large"]) svg {
      width: 26px;
      height: 26px;
    }
  `;var b2=[["pbx-switchboard-tile",y],["pbx-switchboard-card-editor",I],["pbx-switchboard-card",w]];for(let[M,C]of b2)customElements.get(M)===void 0&&customElements.define(M,C);window.customCards=window.customCards??[];window.customCards.some(M=>M.type==="pbx-switchboard-card")||window.customCards.push({type:"pbx-switchboard-card",name:"PBX switchboard",description:"Every extension of a PBX at a glance: live state, calls, queues; click to call.",preview:!1,documentationURL:"https://github.com/pbx-home-assistant/pbx#switchboard-card",getEntitySuggestion:j1});
/*! Bundled license information:

@lit/reactive-element/css-tag.js:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

@lit/reactive-element/reactive-element.js:
lit-html/lit-html.js:
lit-element/lit-element.js:
lit-html/directive.js:
lit-html/directives/repeat.js:
  (**
   * @license
   * Copyright 2017 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/is-server.js:
  (**
   * @license
   * Copyright 2022 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/directive-helpers.js:
  (**
   * @license
   * Copyright 2020 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
